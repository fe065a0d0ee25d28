"""Runs a command and prints how it ended, so a lit test can check the exact
exit status (`not` accepts any non-zero one) and that it was no signal:

    exit_status.py CMD [ARG]...   prints "exit status: N" or
                                  "killed by signal: NAME" after the
                                  command's own output; exits 0
"""
import signal
import subprocess
import sys

if len(sys.argv) < 2:
    sys.exit("usage: exit_status.py CMD [ARG]...")
sys.stdout.flush()
rc = subprocess.run(sys.argv[1:]).returncode
if rc < 0:
    print("killed by signal: " + signal.Signals(-rc).name)
else:
    print("exit status: %d" % rc)
