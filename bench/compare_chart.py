"""Draw the speed table of bench/compare.py as a PNG bar chart.

    python bench/compare_chart.py bench/results/compare.json bench/results/compare.png

Needs matplotlib (ci/bench.sh runs it with the apache-tvm-ffi venv, which has it).
One group of horizontal bars per operation (ns per operation, log scale), one
bar per column.
"""
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

COLORS = {"ours_cpython": "#1f77b4", "tvm_ffi_cpython": "#ff7f0e", "ours_pypy": "#2ca02c"}


def main(src, dst):
    with open(src) as f:
        res = json.load(f)
    ops = res["operations"]
    cols = res["columns"]
    height = 0.8 / len(cols)
    fig, ax = plt.subplots(figsize=(10, 0.42 * len(ops) + 2.0))
    for i, col in enumerate(cols):
        best = res["speed"][col["key"]]
        ys = [k + i * height for k, op in enumerate(ops) if op in best]
        xs = [best[op] for op in ops if op in best]
        ax.barh(ys, xs, height=height, color=COLORS.get(col["key"]),
                label="%s (%s)" % (col["label"], col["version"]))
    ax.set_yticks([k + height * (len(cols) - 1) / 2 for k in range(len(ops))])
    ax.set_yticklabels(ops, fontsize=8)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.set_xlabel("ns per operation (log scale; lower is better)")
    ax.grid(axis="x", which="both", alpha=0.3)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.045 * 24 / len(ops)), ncol=2,
              fontsize=8)
    ax.set_title("tvm_ffi_hpy vs apache-tvm-ffi  (%s)" % res["machine"], fontsize=9)
    fig.tight_layout()
    fig.savefig(dst, dpi=100)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
