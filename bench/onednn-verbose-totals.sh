#!/usr/bin/env bash
# Sums oneDNN's verbose execution lines by primitive kind: where the time of a training step or an inference pass
# goes (issue 18, item 4). Reads the output of a run with DNNL_VERBOSE=1 (the oneDNN 2.3 in ND4J M2.1 reads that name;
# newer oneDNN also reads ONEDNN_VERBOSE), e.g.
#
#   OMP_NUM_THREADS=2 DNNL_VERBOSE=1 java -Xmx2g -cp target/classes:<runtime classpath> \
#       io.cnnlab.benchmark.EngineBenchmark --data ../shared/data/cifar10 --networks baseline --steps 20 --warmup 5 > run.txt
#   bench/onednn-verbose-totals.sh run.txt
#
# EngineBenchmark's own lines split the log: from "## <network>" to "  training:" is training (warm-up steps
# included; the trainer's evaluation of the test set at the end runs in batches of 500), from there to
# "  inference:" the inference timings; each is split by batch size. A log without those lines is one section. Reorders are split into weights (a layout tag beginning with a blocked output
# channel, e.g. Acdb64a, ABcd16b16a) and activations (abcd <-> acdb, aBcd16b). "passes" counts the convolutions
# that read the 3-channel input: their weight gradients where there are any (one per training step; DL4J may run
# a forward convolution twice in a step), else their forward passes.
set -euo pipefail

awk '
    function section_name() { return phase " batch " batch }
    /^## / { network = $2; sub(/[:,]$/, "", network); phase = "training " network; next }
    /^  training:/ { phase = "inference " network; next }
    /^  inference:/ { phase = "after " network; next }
    /^(dnnl|onednn)_verbose(,v[0-9]+)?(,[^,]*)?,exec,/ {
        n = split($0, f, ",")
        for (i = 1; i <= n && f[i] != "exec"; i++) {}
        kind = f[i + 2]; prop = f[i + 4]; mds = f[i + 5]; desc = f[n - 1]; ms = f[n] + 0
        if (phase == "") phase = "all"
        if (match(desc, /^mb[0-9]+/)) batch = substr(desc, 3, RLENGTH - 2) + 0
        if (kind == "reorder") {
            weights = (mds ~ /blocked:A[a-zA-Z0-9]*:/)
            if (!weights && match(desc, /^[0-9]+x/)) batch = substr(desc, 1, RLENGTH - 1) + 0
            key = weights ? "reorder, weights" : "reorder, activations"
        } else {
            key = kind " " prop
        }
        s = section_name()
        if (!(s in seen)) { seen[s] = 1; order[++sections] = s }
        total[s] += ms; calls[s, key] += 1; time[s, key] += ms
        if (!((s, key) in listed)) { listed[s, key] = 1; keys[s] = keys[s] SUBSEP key }
        if (kind == "convolution" && desc ~ /_ic3oc/) { if (prop == "backward_weights") steps[s] += 1; else if (prop ~ /^forward/) forwards[s] += 1 }
    }
    END {
        if (sections == 0) { print "no oneDNN exec lines (was DNNL_VERBOSE=1 set?)"; exit 1 }
        for (k = 1; k <= sections; k++) {
            s = order[k]; p = (s in steps) ? steps[s] : forwards[s] + 0
            printf "\n### %s: %.1f ms in oneDNN, %d passes%s\n\n", s, total[s], p, (p ? sprintf(", %.3f ms per pass", total[s] / p) : "")
            print "| primitive | calls | ms | ms per pass | share |"
            print "|---|---:|---:|---:|---:|"
            m = split(substr(keys[s], 2), list, SUBSEP)
            # by time, largest first
            for (i = 2; i <= m; i++) for (j = i; j > 1 && time[s, list[j - 1]] < time[s, list[j]]; j--) { t = list[j]; list[j] = list[j - 1]; list[j - 1] = t }
            for (i = 1; i <= m; i++) {
                key = list[i]
                printf "| %s | %d | %.1f | %s | %.1f %% |\n", key, calls[s, key], time[s, key],
                    (p ? sprintf("%.3f", time[s, key] / p) : "-"), 100 * time[s, key] / total[s]
            }
        }
    }' "$@"
