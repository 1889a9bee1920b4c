"""The rules every hostile input must meet on the command line, checked on
the real featuremaps binary (run with /usr/bin/python3).

A case runs featuremaps in a fresh folder D holding the crafted files, and
must end with:
  - exit status 2 (not a crash, not a success, not a hang: a run that has
    not ended after HANG_SECONDS is killed and reported as a hang);
  - exactly one line on stderr, "featuremaps: …", that contains the
    expected words, is at most MAX_LINE characters, is valid UTF-8 and has
    no control characters (the user's bytes escaped);
  - nothing on stdout;
  - D exactly as before: no output, no temporary left behind, every input
    byte for byte unchanged;
  - peak memory (the child's maximum resident set, from wait4) under the
    case's bound; outside sanitizer builds the address space is also
    capped (RLIMIT_AS) so a runaway allocation fails fast instead of
    taking the machine.
"""
import hashlib
import os
import resource
import signal
import stat
import subprocess
import sys
import tempfile
import time

HANG_SECONDS = 30
MAX_LINE = 400
DEFAULT_RSS_MB = 512
AS_LIMIT = 4 << 30


def rss_scale(exe):
    """ASan's shadow memory and quarantine add to every figure."""
    return 4 if sanitized(exe) else 1


def sanitized(exe):
    """ASan reserves terabytes of address space: no RLIMIT_AS then."""
    try:
        out = subprocess.run(["ldd", exe], capture_output=True, text=True).stdout
    except OSError:
        return False
    return "libasan" in out or "libtsan" in out


def snapshot(folder):
    """name → (kind, size, digest) for everything under folder, links and
    FIFOs included (never opened: a FIFO would block)."""
    seen = {}
    for root, dirs, files in os.walk(folder, followlinks=False):
        for name in dirs + files:
            path = os.path.join(root, name)
            rel = os.path.relpath(path, folder)
            st = os.lstat(path)
            if stat.S_ISREG(st.st_mode):
                h = hashlib.sha256()
                with open(path, "rb") as f:
                    for block in iter(lambda: f.read(1 << 20), b""):
                        h.update(block)
                seen[rel] = ("file", st.st_size, h.hexdigest(), st.st_mtime_ns)
            elif stat.S_ISLNK(st.st_mode):
                seen[rel] = ("link", os.readlink(path))
            else:
                seen[rel] = (stat.S_IFMT(st.st_mode),)
    return seen


def run(exe, argv, cwd, rss_mb, cap_as, env=None):
    """Runs featuremaps; returns (status or None on a hang, stdout bytes,
    stderr bytes, peak RSS in MB, seconds)."""
    e = dict(os.environ)
    e.setdefault("XDG_DATA_HOME", os.path.join(tempfile.gettempdir(), "fm-hostile-nodata"))
    if env:
        e.update(env)

    def limits():
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        if cap_as:
            resource.setrlimit(resource.RLIMIT_AS, (AS_LIMIT, AS_LIMIT))

    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.monotonic()
        p = subprocess.Popen([exe] + argv, cwd=cwd, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                             env=e, preexec_fn=limits)
        status, rss = None, 0
        while True:
            pid, st, usage = os.wait4(p.pid, os.WNOHANG)
            if pid:
                status = os.waitstatus_to_exitcode(st)
                rss = usage.ru_maxrss / 1024.0
                break
            if time.monotonic() - t0 > HANG_SECONDS:
                os.kill(p.pid, signal.SIGKILL)
                os.wait4(p.pid, 0)
                break
            time.sleep(0.01)
        p.returncode = status if status is not None else -9  # already reaped
        seconds = time.monotonic() - t0
        out.seek(0)
        err.seek(0)
        return status, out.read(), err.read(), rss, seconds


class Report:
    def __init__(self, name):
        self.name = name
        self.count = 0
        self.failed = []

    def check(self, ok, what):
        self.count += 1
        if not ok:
            self.failed.append(what)
            print("FAIL", what, flush=True)
        return ok

    def finish(self):
        print("%s: %d checks, %d failed" % (self.name, self.count, len(self.failed)))
        sys.exit(1 if self.failed else 0)


def check_refusal(report, label, status, out, err, rss, rss_mb, expect, before, after):
    """The rules above, each a check of its own."""
    report.check(status is not None, "%s: hangs (killed after %d s)" % (label, HANG_SECONDS))
    if status is None:
        return
    lines = err.splitlines()
    shown = err[:300].decode("utf-8", "backslashreplace")
    report.check(status == 2, "%s: exit status %s, expected 2 (stderr %r)" % (label, status, shown))
    report.check(len(lines) == 1, "%s: %d stderr lines, expected 1: %r" % (label, len(lines), shown))
    report.check(out == b"", "%s: wrote on stdout: %r" % (label, out[:200]))
    report.check(rss <= rss_mb, "%s: peak RSS %.0f MB > %d MB" % (label, rss, rss_mb))
    report.check(before == after, "%s: the folder changed: %s" % (label, diff(before, after)))
    if len(lines) != 1:
        return
    line = lines[0]
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        report.check(False, "%s: the line is not UTF-8: %r" % (label, line[:300]))
        return
    report.check(text.startswith("featuremaps: "), "%s: no 'featuremaps: ' prefix: %r" % (label, text[:300]))
    report.check(len(text) <= MAX_LINE, "%s: line of %d characters" % (label, len(text)))
    report.check(not any(ord(c) < 0x20 or 0x7f <= ord(c) < 0xa0 for c in text),
                 "%s: raw control characters: %r" % (label, text[:300]))
    # expect: a string, or a list of requirements each a string or a tuple
    # of alternatives
    for need in (expect if isinstance(expect, list) else [expect]):
        alternatives = need if isinstance(need, tuple) else (need,)
        report.check(any(a in text for a in alternatives),
                     "%s: %r does not say %s" % (label, text[:300],
                                                 " or ".join(repr(a) for a in alternatives)))


def diff(before, after):
    gone = sorted(set(before) - set(after))
    new = sorted(set(after) - set(before))
    changed = sorted(k for k in set(before) & set(after) if before[k] != after[k])
    return "gone %s, new %s, changed %s" % (gone[:5], new[:5], changed[:5])
