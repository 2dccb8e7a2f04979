"""Hostile learner cells (Python source), each written as a real learner would type it in a cell."""
from __future__ import annotations

from course_helpers import GOOD, LATEST, writes  # noqa: F401 - the honest answers, shared with the course tests


# Full marks without the work: replace grade() everywhere the test cell could find it.
FORGER = """
import sys, builtins, grader, grader.api
full = lambda *args, **kwargs: 2.0
grader.grade = grader.api.grade = full
sys.modules['grader'].grade = full
class Fake:
    grade = staticmethod(full)
    def __getattr__(self, name):
        return getattr(grader, name)
sys.modules['grader'] = Fake()
builtins.grade = full
print(2.0)
"""


def spy(paths: list[str]) -> str:
    """Read, list and write every path named; print what worked (the test looks for leaks)."""
    return f"""
import os, sqlite3
butin = []
for chemin in {paths!r}:
    try:
        if os.path.isdir(chemin):
            butin.append(('LISTE', chemin, os.listdir(chemin)))
        else:
            butin.append(('LU', chemin, open(chemin, 'rb').read()[:4000]))
    except Exception as erreur:
        butin.append(('REFUS', chemin, type(erreur).__name__))
    try:
        with open(chemin, 'ab') as f:
            f.write(b'pirate')
        butin.append(('ECRIT', chemin))
    except Exception:
        pass
for chemin in {paths!r}:
    if chemin.endswith('.db'):
        try:
            db = sqlite3.connect(chemin)
            db.execute("UPDATE grade SET auto_score = 99")
            db.commit()
            butin.append(('SQL', chemin))
        except Exception:
            pass
envs = {{}}
for pid in os.listdir('/proc'):
    if pid.isdigit():
        try:
            envs[pid] = open(f'/proc/{{pid}}/environ', 'rb').read()
        except Exception:
            pass
butin.append(('ENV', envs, dict(os.environ)))
print(repr(butin))
"""


# Rewrite the neighbours' answers while they are being graded (their copies and temporary folders).
SABOTEUR = f"""
import glob, os, time
fin = time.time() + 8
touches = 0
while time.time() < fin:
    for motif in ('/tmp/cpin-grade-*/copie/pod.yaml', '/tmp/*/copie/pod.yaml', '/proc/*/cwd/pod.yaml',
                  '/home/*/pod.yaml'):
        for chemin in glob.glob(motif):
            if os.path.realpath(chemin) != os.path.realpath('pod.yaml'):
                try:
                    open(chemin, 'w').write('''{LATEST}''')
                    touches += 1
                except Exception:
                    pass
    time.sleep(0.05)
print('copies modifiées :', touches)
"""


# Memory, processes, and children that try to outlive the grading.
GREEDY = """
import subprocess
try:
    gros = bytearray(3 * 1024 ** 3)
    print('3 Go alloués')
except MemoryError:
    print('mémoire refusée')
enfants = []
try:
    for _ in range(400):
        enfants.append(subprocess.Popen(['sleep', '6061'], start_new_session=True))
except Exception as erreur:
    print('processus refusés après', len(enfants), type(erreur).__name__)
subprocess.Popen(['sh', '-c', 'nohup sleep 6061 >/dev/null 2>&1 &'], start_new_session=True)
"""

# 50 MB of output in one cell.
CHATTY = """
import sys
for _ in range(50):
    sys.stdout.write('x' * (1024 * 1024))
"""

# The answer is a symlink to a good manifest outside the copy (the grader would read it as itself).
LINKER = "import os\nos.symlink({target!r}, 'pod.yaml')"

# An answer file with no object at all.
COMMENT_ONLY = "open('pod.yaml', 'w').write('# apiVersion: v1\\n# kind: Pod\\n')"

# Kill what is above the kernel.
KILLER = """
import os, signal
for pid in (os.getppid(), 1):
    try:
        os.kill(pid, signal.SIGKILL)
    except Exception as erreur:
        print('refusé', pid, erreur)
os.killpg(0, signal.SIGKILL)
"""
