// Generates poseidon_circomlibjs.json: known-answer vectors for zkgov's Poseidon from circomlibjs,
// an independent implementation. Each vector is circomlibjs `poseidon(inputs, cap)`: the circomlib
// permutation of [cap, ...inputs], output state[0].
//
// Regenerate (from the repository root):
//   mkdir -p /tmp/kat && (cd /tmp/kat && npm init -y && npm install circomlibjs@0.1.7)
//   NODE_PATH=/tmp/kat/node_modules node circuits/tests/vectors/gen_poseidon.js \
//     > circuits/tests/vectors/poseidon_circomlibjs.json
const { buildPoseidonReference } = require("circomlibjs");
const crypto = require("crypto");

const P = 21888242871839275222246405745257275088548364400416903976721273198012417052417n;

// Deterministic pseudo-random field elements: SHA-256 of a counter, reduced below P.
let counter = 0;
function rnd() {
  const h = crypto.createHash("sha256").update("zkgov-kat-" + counter++).digest("hex");
  return BigInt("0x" + h) % P;
}

(async () => {
  const poseidon = await buildPoseidonReference();
  const F = poseidon.F;
  const vectors = [];
  for (const n of [2, 16]) {
    const cases = [];
    cases.push([0n, Array.from({ length: n }, (_, i) => BigInt(i + 1))]);
    cases.push([0n, Array(n).fill(0n)]);
    for (const cap of [1n, 258n, 259n, 528n, 771n, 1026n]) {
      cases.push([cap, Array.from({ length: n }, (_, i) => BigInt(i + 7))]);
    }
    cases.push([P - 1n, Array(n).fill(P - 1n)]);
    for (let k = 0; k < 4; k++) {
      cases.push([rnd(), Array.from({ length: n }, rnd)]);
    }
    for (const [cap, inputs] of cases) {
      const out = poseidon(inputs, cap);
      vectors.push({
        width: n + 1,
        cap: cap.toString(),
        inputs: inputs.map((x) => x.toString()),
        output: F.toString(out),
      });
    }
  }
  const pkg = require("path").join(require.resolve("circomlibjs"), "..", "..", "package.json");
  const version = JSON.parse(require("fs").readFileSync(pkg, "utf8")).version;
  console.log(JSON.stringify({
    source: `circomlibjs ${version} buildPoseidonReference`,
    command: "NODE_PATH=/tmp/kat/node_modules node circuits/tests/vectors/gen_poseidon.js",
    field_modulus: P.toString(),
    vectors,
  }, null, 1));
})();
