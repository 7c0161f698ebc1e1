"""Speed and memory benchmarks, run by hand (`make bench` or `python -m bench [NAME]`); see bench/README.md."""
