pragma circom 2.1.0;

// zkgov's training-compute claim (circuits/src/ledger.rs), written with circomlib for the
// side-by-side benchmark (benches/side_by_side.sh). Same public inputs, same checks, same hashes
// (circomlib's Poseidon with zkgov's domain tag as the initial state), so a witness for one is a
// witness for the other and both compute the same ledger commitment: the 16-ary tree over the
// packed records, and one salted hash of its root.

include "circomlib/circuits/poseidon.circom";
include "circomlib/circuits/bitify.circom";

template Hash(n, tag) {
    signal input in[n];
    signal output out;
    component p = PoseidonEx(n, 1);
    p.initialState <== tag;
    for (var i = 0; i < n; i++) {
        p.inputs[i] <== in[i];
    }
    out <== p.out[0];
}

// values[bits] by a binary tree of selections, least significant bit first.
template Select8() {
    signal input bits[3];
    signal input values[8];
    signal output out;
    signal l1[4];
    signal l2[2];
    for (var i = 0; i < 4; i++) {
        l1[i] <== bits[0] * (values[2 * i + 1] - values[2 * i]) + values[2 * i];
    }
    for (var i = 0; i < 2; i++) {
        l2[i] <== bits[1] * (l1[2 * i + 1] - l1[2 * i]) + l1[2 * i];
    }
    out <== bits[2] * (l2[1] - l2[0]) + l2[0];
}

// N record slots; a 16-ary tree of depth DEPTH; EMPTY[l] is the root of an empty subtree of
// height l (EMPTY[0] the empty leaf).
template Compute(N, DEPTH, EMPTY) {
    signal input threshold;
    signal input peaks[8];
    signal input root;
    signal input count;
    signal input context;
    signal input class[N];
    signal input devices[N];
    signal input seconds[N];
    signal input salt;
    signal input present[N];

    component thresholdBits = Num2Bits(128);
    thresholdBits.in <== threshold;
    component peakBits[8];
    for (var k = 0; k < 8; k++) {
        peakBits[k] = Num2Bits(60);
        peakBits[k].in <== peaks[k];
    }

    component classBits[N];
    component deviceBits[N];
    component secondBits[N];
    signal leaf[N];
    component peak[N];
    signal product[N];
    signal flop[N];
    var total = 0;
    var records = 0;
    for (var i = 0; i < N; i++) {
        classBits[i] = Num2Bits(3);
        classBits[i].in <== class[i];
        deviceBits[i] = Num2Bits(24);
        deviceBits[i].in <== devices[i];
        secondBits[i] = Num2Bits(32);
        secondBits[i].in <== seconds[i];
        present[i] * (1 - present[i]) === 0;
        if (i > 0) {
            present[i] * (1 - present[i - 1]) === 0;
        }
        leaf[i] <== class[i] + devices[i] * 8 + seconds[i] * 134217728;
        (1 - present[i]) * leaf[i] === 0;
        peak[i] = Select8();
        for (var b = 0; b < 3; b++) {
            peak[i].bits[b] <== classBits[i].out[b];
        }
        for (var k = 0; k < 8; k++) {
            peak[i].values[k] <== peaks[k];
        }
        product[i] <== devices[i] * seconds[i];
        flop[i] <== product[i] * peak[i].out;
        total += flop[i];
        records += present[i];
    }
    count === records;

    component within = Num2Bits(128);
    within.in <== threshold - total;

    // The tree, level by level; slots past the last node of a level are empty subtrees.
    var width = N;
    signal level[DEPTH + 1][N];
    for (var i = 0; i < N; i++) {
        level[0][i] <== leaf[i];
    }
    component node[DEPTH][N];
    for (var l = 0; l < DEPTH; l++) {
        var next = (width + 15) \ 16;
        for (var j = 0; j < next; j++) {
            node[l][j] = Hash(16, 528);
            for (var c = 0; c < 16; c++) {
                if (16 * j + c < width) {
                    node[l][j].in[c] <== level[l][16 * j + c];
                } else {
                    node[l][j].in[c] <== EMPTY[l];
                }
            }
            level[l + 1][j] <== node[l][j].out;
        }
        width = next;
    }
    // The public commitment: hash2(LedgerCommitment = 4, root, salt), tag 4 * 256 + 2.
    component commitment = Hash(2, 1026);
    commitment.in[0] <== level[DEPTH][0];
    commitment.in[1] <== salt;
    root === commitment.out;
}
