"""Python call overhead against the command line (docs/python.md, "Overhead"): 1 000 trials of
scenarios/example.yaml from Python (revsim.run(revsim.load(...), trials=1000), timed inside Python)
and from `revsim -q run ... --trials 1000` (wall time of the process, and its runtime.seconds), best
of 5 each, after one warm-up call of each. Run from a built tree:

    /usr/bin/python3 bench/python_overhead.py .
"""
import json, os, subprocess, sys, time
root = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".")
sys.path.insert(0, os.path.join(root, "build", "python"))
import revsim
ex = os.path.join(root, "scenarios", "example.yaml")
cli = os.path.join(root, "build", "bin", "revsim")
revsim.run(revsim.load(ex), trials=1000)  # warm-up (import, page-in)
py_total, py_run, py_rt = [], [], []
for _ in range(5):
    t0 = time.perf_counter()
    s = revsim.load(ex)
    t1 = time.perf_counter()
    r = revsim.run(s, trials=1000)
    t2 = time.perf_counter()
    py_total.append(t2 - t0); py_run.append(t2 - t1); py_rt.append(r.data["runtime"]["seconds"])
cli_wall, cli_rt = [], []
subprocess.run([cli, "-q", "run", ex, "--trials", "1000"], check=True, capture_output=True)
for _ in range(5):
    t0 = time.perf_counter()
    out = subprocess.run([cli, "-q", "run", ex, "--trials", "1000", "--format", "json"], check=True,
                         capture_output=True, text=True).stdout
    cli_wall.append(time.perf_counter() - t0)
    cli_rt.append(json.loads(out)["runtime"]["seconds"])
def ms(v): return f"{min(v) * 1e3:.1f} ms"
print("python load+run:", ms(py_total), " run only:", ms(py_run), " its runtime.seconds:", ms(py_rt))
print("cli wall (process):", ms(cli_wall), " its runtime.seconds:", ms(cli_rt))
print("python load+run / cli wall: %.2f" % (min(py_total) / min(cli_wall)))
print("python run - runtime.seconds (call overhead): %.1f ms" % ((min(py_run) - min(py_rt)) * 1e3))
