"""strip_runtime.py FILE.json: the JSON without any "runtime" object (timings differ run to run),
on stdout, for the MPI tests' byte-for-byte comparisons with the plain run."""
import json
import sys

j = json.load(open(sys.argv[1]))


def drop(x):
    if isinstance(x, dict):
        x.pop("runtime", None)
        for v in x.values():
            drop(v)
    elif isinstance(x, list):
        for v in x:
            drop(v)


drop(j)
sys.stdout.write(json.dumps(j, sort_keys=False))
