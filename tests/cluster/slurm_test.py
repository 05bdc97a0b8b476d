#!/usr/bin/env python3
"""The SLURM job scripts (jobscripts/slurm/) under a real one-node SLURM started here.

Starts munged (its own key and socket) and slurmctld + slurmd (a private slurm.conf, state and
spool folders, free ports) in a temporary folder, then
  (a) run.sbatch with 2 tasks (srun --mpi=pmix, then mpirun inside the allocation): the result
      file's datasets equal a 1-process `scalesim run` of the same config;
  (b) submit_sweep.sh: a 2-task job array of `scalesim sweep --shard I/2` and a merge job
      depending on it (afterok): the merged /sweep datasets equal a 1-process `scalesim sweep`;
  (c) mc_gpu.sbatch (no GPU here): `bash -n`, and the command it runs, with SCALESIM=echo.
The daemons are stopped by their PID files (and the temporary folder removed) whatever happens.
Needs root (the daemons run as root) and Debian's slurm-wlm and munge (installed if missing).

Environment: SCALESIM (the built binary), SOURCE_DIR. Exit 77 (skipped) when not root."""
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

SCALESIM = os.environ.get("SCALESIM", "")
SOURCE = os.environ.get("SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
SLURM_DIR = os.path.join(SOURCE, "jobscripts", "slurm")
SKIP = 77
JOB_TIMEOUT = 60  # seconds for one job (or a job array and its merge) to finish; 4 waits in all


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def read_pid(path):
    try:
        with open(path) as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def stop_pid(pid, what):
    """SIGTERM, then SIGKILL after 10 s."""
    if pid is None or not alive(pid):
        return
    os.kill(pid, signal.SIGTERM)
    deadline = time.time() + 10
    while time.time() < deadline and alive(pid):
        time.sleep(0.1)
    if alive(pid):
        print(f"{what} (pid {pid}) ignored SIGTERM: killing it", file=sys.stderr)
        os.kill(pid, signal.SIGKILL)


def processes_of(folder):
    """Processes this test started under `folder`: job steps, job scripts and their children
    have it in their command line or environment (SLURM_CONF, the spool)."""
    key = folder.encode()
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                text = f.read()
            with open(f"/proc/{entry}/environ", "rb") as f:
                text += f.read()
        except OSError:
            continue
        if key in text:
            pids.append(int(entry))
    return pids


def stop_processes_of(folder):
    for pid in processes_of(folder):
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.time() + 5
    while time.time() < deadline and any(alive(p) for p in processes_of(folder)):
        time.sleep(0.1)
    for pid in processes_of(folder):
        print(f"killing leftover process {pid}", file=sys.stderr)
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def stop_leftovers():
    """Daemons of an earlier run of this test that was killed outright (SIGKILL leaves no
    chance to clean up): found by the PID files in its temporary folder, stopped only if their
    command line names that folder; then whatever else still names the folder."""
    import glob
    for folder in glob.glob(os.path.join(tempfile.gettempdir(), "scalesim-slurm-*")):
        for name in ["slurmd.pid", "slurmctld.pid", "munge/munged.pid"]:
            pid = read_pid(os.path.join(folder, name))
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    ours = folder.encode() in f.read()
            except (OSError, TypeError):
                ours = False
            if ours:
                stop_pid(pid, f"leftover {name[:-4]}")
        stop_processes_of(folder)
        shutil.rmtree(folder, ignore_errors=True)


class Slurm:
    """munged + slurmctld + slurmd for one node, everything under `root`."""

    def __init__(self, root):
        self.root = root
        self.conf = os.path.join(root, "slurm.conf")
        self.env = dict(os.environ, SLURM_CONF=self.conf)
        # The scripts' own choices must not be overridden by a caller's SLURM/SBATCH settings.
        for k in list(self.env):
            if k.startswith(("SBATCH_", "SLURM_")) and k != "SLURM_CONF":
                del self.env[k]
        self.pidfiles = {}
        self.job_ids = []

    def start(self):
        r = self.root
        for d in ["state", "spool", "munge"]:
            os.makedirs(os.path.join(r, d), mode=0o700)
        key = os.path.join(r, "munge", "munge.key")
        with open(key, "wb") as f:
            f.write(os.urandom(1024))
        os.chmod(key, 0o400)
        self.munge_socket = os.path.join(r, "munge", "munge.socket")
        self.pidfiles["munged"] = os.path.join(r, "munge", "munged.pid")
        subprocess.run(["munged", "--force", "--socket", self.munge_socket, "--key-file", key,
                        "--pid-file", self.pidfiles["munged"],
                        "--seed-file", os.path.join(r, "munge", "munged.seed"),
                        "--log-file", os.path.join(r, "munge", "munged.log")],
                       check=True, capture_output=True, text=True, timeout=30)

        self.node = socket.gethostname().split(".")[0]
        cpus = os.cpu_count() or 1
        with open("/proc/meminfo") as f:
            mem_kib = int(next(line for line in f if line.startswith("MemTotal")).split()[1])
        self.pidfiles["slurmctld"] = os.path.join(r, "slurmctld.pid")
        self.pidfiles["slurmd"] = os.path.join(r, "slurmd.pid")
        conf = f"""# A one-node SLURM for tests/cluster/slurm_test.py
ClusterName=scalesimtest
SlurmctldHost={self.node}(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort={free_port()}
SlurmdPort={free_port()}
AuthType=auth/munge
AuthInfo=socket={self.munge_socket}
CredType=cred/munge
StateSaveLocation={r}/state
SlurmdSpoolDir={r}/spool
SlurmctldPidFile={self.pidfiles["slurmctld"]}
SlurmdPidFile={self.pidfiles["slurmd"]}
SlurmctldLogFile={r}/slurmctld.log
SlurmdLogFile={r}/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
SwitchType=switch/none
SchedulerType=sched/backfill
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
ReturnToService=2
MinJobAge=600
PlugStackConfig={r}/plugstack.conf
NodeName={self.node} NodeAddr=127.0.0.1 CPUs={cpus} RealMemory={mem_kib * 9 // 10 // 1024} State=UNKNOWN
PartitionName=test Nodes={self.node} Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
"""
        with open(self.conf, "w") as f:
            f.write(conf)
        open(os.path.join(r, "plugstack.conf"), "w").close()
        self._daemon(["slurmctld", "-c", "-f", self.conf])
        self._daemon(["slurmd", "-f", self.conf, "-N", self.node])
        deadline = time.time() + 60
        state = ""
        while time.time() < deadline:
            p = subprocess.run(["sinfo", "-h", "-N", "-o", "%T"], env=self.env, capture_output=True,
                               text=True, timeout=20)
            state = p.stdout.strip()
            if state == "idle":
                return
            time.sleep(0.5)
        raise AssertionError(f"the node is not idle after 60 s (sinfo: '{state}'):\n" + self.logs())

    def _daemon(self, argv):
        p = subprocess.run(argv, env=self.env, capture_output=True, text=True, timeout=60)
        if p.returncode != 0:
            raise AssertionError(f"{argv} exited {p.returncode}: {p.stderr}\n" + self.logs())

    def logs(self):
        out = []
        for name in ["slurmctld.log", "slurmd.log", "munge/munged.log"]:
            path = os.path.join(self.root, name)
            if os.path.exists(path):
                with open(path, errors="replace") as f:
                    out.append(f"--- {name} (end)\n" + "".join(f.readlines()[-30:]))
        return "\n".join(out)

    def sbatch(self, args, cwd, env=None):
        p = subprocess.run(["sbatch", "--parsable"] + args, cwd=cwd, env=dict(self.env, **(env or {})),
                           capture_output=True, text=True, timeout=30)
        if p.returncode != 0:
            raise AssertionError(f"sbatch {args} exited {p.returncode}: {p.stderr}")
        job = p.stdout.strip().split(";")[0]
        self.job_ids.append(job)
        return job

    def job_state(self, job):
        p = subprocess.run(["scontrol", "-o", "show", "job", job], env=self.env, capture_output=True,
                           text=True, timeout=20)
        # An array job shows one line per task: report the first that is not COMPLETED.
        states = [f.split("=", 1)[1] for line in p.stdout.splitlines() for f in line.split()
                  if f.startswith("JobState=")]
        if not states:
            return "UNKNOWN"
        pending = [s for s in states if s != "COMPLETED"]
        return pending[0] if pending else "COMPLETED"

    def wait(self, job, timeout=JOB_TIMEOUT):
        deadline = time.time() + timeout
        state = ""
        while time.time() < deadline:
            state = self.job_state(job)
            if state in ("COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "OUT_OF_MEMORY",
                         "BOOT_FAIL", "DEADLINE", "PREEMPTED"):
                return state
            time.sleep(0.5)
        raise AssertionError(f"job {job} still {state} after {timeout} s:\n" + self.logs())

    def stop(self):
        if self.job_ids and os.path.exists(self.conf):
            subprocess.run(["scancel"] + self.job_ids, env=self.env, capture_output=True, timeout=20)
            deadline = time.time() + 15
            while time.time() < deadline:
                p = subprocess.run(["squeue", "-h"], env=self.env, capture_output=True, text=True,
                                   timeout=20)
                if p.returncode != 0 or not p.stdout.strip():
                    break
                time.sleep(0.5)
        for name in ["slurmd", "slurmctld", "munged"]:
            if name in self.pidfiles:
                stop_pid(read_pid(self.pidfiles[name]), name)
        # Job steps that outlived slurmd (a job still running when the test failed).
        stop_processes_of(self.root)


def datasets(path, group=None):
    import h5py
    out = {}
    with h5py.File(path, "r") as f:
        root = f[group] if group else f
        root.visititems(lambda n, o: out.__setitem__(n, o[()]) if isinstance(o, h5py.Dataset) else None)
    return out


def same_array(a, b):
    import numpy as np
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    if a.dtype.kind == "f":
        return bool(np.array_equal(a, b, equal_nan=True))
    return a.tobytes() == b.tobytes()


def output_of(workdir, pattern_prefix):
    text = []
    for name in sorted(os.listdir(workdir)):
        if name.startswith(pattern_prefix) and name.endswith(".out"):
            with open(os.path.join(workdir, name), errors="replace") as f:
                text.append(f"--- {name}\n{f.read()[-3000:]}")
    return "\n".join(text)


class SlurmJobScripts(unittest.TestCase):
    slurm = None

    @classmethod
    def setUpClass(cls):
        stop_leftovers()
        cls.tmp = tempfile.mkdtemp(prefix="scalesim-slurm-")
        cls.slurm = Slurm(cls.tmp)
        try:
            cls.slurm.start()
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        # Also called from main() when the run is interrupted (SIGTERM, ^C): stops once.
        slurm, cls.slurm = cls.slurm, None
        try:
            if slurm is not None:
                slurm.stop()
        finally:
            if getattr(cls, "tmp", None):
                shutil.rmtree(cls.tmp, ignore_errors=True)

    def run_scalesim(self, args, cwd):
        p = subprocess.run([SCALESIM] + args, cwd=cwd, capture_output=True, text=True, timeout=120,
                           env=dict(os.environ, OMP_NUM_THREADS="1"))
        self.assertEqual(p.returncode, 0, f"scalesim {args}: {p.stderr}")

    def _run_sbatch(self, launcher, extra_env):
        work = os.path.join(self.tmp, "run-" + launcher)
        os.makedirs(work)
        config = os.path.join(SOURCE, "tests", "parallel", "router_network.yaml")
        one = os.path.join(work, "one.h5")
        self.run_scalesim(["run", config, "-o", one], work)
        two = os.path.join(work, "two.h5")
        job = self.slurm.sbatch(
            ["--nodes=1", "--ntasks=2", "--ntasks-per-node=2", "--cpus-per-task=1", "--time=5",
             f"--chdir={work}", os.path.join(SLURM_DIR, "run.sbatch")], work,
            dict(extra_env, SCALESIM=SCALESIM, CONFIG=config, OUT=two, LAUNCHER=launcher))
        state = self.slurm.wait(job)
        log = output_of(work, "scalesim-run-")
        self.assertEqual(state, "COMPLETED", f"run.sbatch ({launcher}): {state}\n{log}\n" + self.slurm.logs())
        self.assertIn("2 ranks x 1 threads", log)
        import h5py
        with h5py.File(two, "r") as f:
            self.assertEqual(int(f.attrs["ranks"]), 2)
        a, b = datasets(one), datasets(two)
        self.assertEqual(sorted(a), sorted(b))
        for name in a:
            self.assertTrue(same_array(a[name], b[name]), f"{launcher}: dataset {name} differs")

    def test_a_run_with_srun_pmix(self):
        self._run_sbatch("srun", {"SRUN_MPI": "pmix"})

    def test_a_run_with_mpirun_in_the_allocation(self):
        self._run_sbatch("mpirun", {"MPIRUN_ARGS": "--allow-run-as-root"})

    def test_b_sweep_array_and_merge(self):
        work = os.path.join(self.tmp, "sweep")
        os.makedirs(work)
        spec = os.path.join(work, "spec.yaml")
        with open(spec, "w") as f:
            f.write(f"""name: slurm-array-sweep
base: {os.path.join(SOURCE, "configs", "examples", "mmc_window.yaml")}
set: {{end.time: 2000s}}
design: grid
seed: 3
replications: 2
parameters:
  - {{path: components.counter.servers, values: [2, 3, 4]}}
metrics: [counter.mean_wait_s, counter.utilisation, done.throughput_per_s]
""")
        single = os.path.join(work, "single.h5")
        self.run_scalesim(["sweep", spec, "--backend", "des", "-o", single, "-q"], work)
        env = dict(self.slurm.env, SCALESIM=SCALESIM, SPEC=spec, BACKEND="des", SHARDS="2",
                   OUTDIR=os.path.join(work, "out"))
        p = subprocess.run([os.path.join(SLURM_DIR, "submit_sweep.sh"), "--time=5", "--cpus-per-task=1",
                            f"--chdir={work}"], cwd=work, env=env, capture_output=True, text=True,
                           timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        # "sweep array job A (...), merge job M -> ..."
        words = p.stdout.split()
        array, merge = words[words.index("array") + 2], words[words.index("merge") + 2].rstrip(",")
        self.slurm.job_ids += [array, merge]
        state = self.slurm.wait(merge)
        logs = output_of(work, "scalesim-")
        self.assertEqual(state, "COMPLETED",
                         f"merge job: {state} (array: {self.slurm.job_state(array)})\n{logs}")
        self.assertEqual(self.slurm.job_state(array), "COMPLETED")
        for i in range(2):
            self.assertTrue(os.path.exists(os.path.join(work, "out", f"shard_{i}.h5")), logs)
        merged = os.path.join(work, "out", "merged.h5")
        a, b = datasets(single, "sweep"), datasets(merged, "sweep")
        self.assertIn("values", a)
        self.assertEqual(sorted(a), sorted(b))
        for name in a:
            self.assertTrue(same_array(a[name], b[name]), f"/sweep/{name} differs:\n{a[name]}\n{b[name]}")

    def test_c_mc_gpu_script(self):
        # No GPU here: the script is not submitted. It parses, and runs the documented command.
        script = os.path.join(SLURM_DIR, "mc_gpu.sbatch")
        subprocess.run(["bash", "-n", script], check=True)
        with open(script) as f:
            self.assertIn("#SBATCH --gres=gpu:1", f.read())
        env = dict(self.slurm.env, SCALESIM="echo", SPEC="spec.yaml", OUT="out.h5",
                   SLURM_CPUS_PER_TASK="3")
        p = subprocess.run(["bash", script], env=env, capture_output=True, text=True, timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("sweep spec.yaml --backend mc --device gpu --threads 3 -o out.h5", p.stdout)


def main():
    if os.geteuid() != 0:
        print("skipped: the SLURM daemons are started as root", file=sys.stderr)
        return SKIP
    if not SCALESIM:
        print("SCALESIM is not set", file=sys.stderr)
        return 2
    missing = [b for b in ["munged", "slurmctld", "slurmd", "sbatch"] if shutil.which(b) is None]
    if missing:
        print(f"installing slurm-wlm and munge ({' '.join(missing)} missing)", file=sys.stderr)
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        cmd = ["apt-get", "install", "-y", "-q", "--no-install-recommends", "slurm-wlm", "munge"]
        if subprocess.run(cmd, env=env).returncode != 0:
            subprocess.run(["apt-get", "update", "-q"], env=env, check=True)
            subprocess.run(cmd, env=env, check=True)
    # A SIGTERM (ctest's timeout, a job killed) must still stop the daemons, which have left
    # this process group: raised as KeyboardInterrupt, the one exception unittest lets through.
    def interrupted(*_):
        raise KeyboardInterrupt("SIGTERM")

    signal.signal(signal.SIGTERM, interrupted)
    try:
        result = unittest.main(argv=[sys.argv[0], "-v"] + sys.argv[1:], exit=False).result
    except KeyboardInterrupt:
        print("interrupted: stopping the SLURM daemons", file=sys.stderr)
        return 143
    finally:
        SlurmJobScripts.tearDownClass()
    return 0 if result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
