@isolation
Feature: A container's resources are limited by a cgroup of its own
  Namespaces decide what a container can see; cgroups decide how much it can use. The engine makes
  one cgroup per container (named after the container's full id, below `--cgroup-parent`), puts
  PID 1 in it, and writes the limits from `docker run` into the cgroup's files: `--memory` into
  memory.limit_in_bytes (cgroup v1) or memory.max (v2), `--pids-limit` into pids.max, `--cpus` into
  a CFS quota per period (cpu.cfs_quota_us and cpu.cfs_period_us, or cpu.max). Every process the
  container starts inherits the cgroup, so the kernel enforces the limits for all of them together.
  `cat /proc/<pid>/cgroup` on the host shows where a process's cgroup is.

  Background:
    Given a running engine
    And the image "dockspec/busybox"

  # seen failing: ran it with --pids-limit 20 → "/sys/fs/cgroup/pids/dockspec-…/<id>/pids.max:
  # expected '20' to equal 'max'".
  @req:isolation.cgroup-per-container
  Scenario: Each container gets a cgroup of its own, named after its id, with no limits unless asked
    Source: "dockerd" (https://docs.docker.com/reference/cli/dockerd/#default-cgroup-parent):
    containers' cgroups go below --cgroup-parent; measured on Docker 20.10.24 and 26.1.5: one cgroup
    per container, named by its full id, no limits.
    When I ran "docker run -d --name <app> dockspec/busybox sleep 1000"
    Then the cgroup of container "<app>" holds its PID 1 and is named after its full id
    And the cgroup of container "<app>" sets no memory, process or CPU limit

  # seen failing: ran it with --memory 32m → "…/memory.limit_in_bytes: expected '33554432' to equal
  # '67108864'" (the memory hierarchy's path was under the test runner's own memory cgroup).
  @req:isolation.cgroup-memory
  Scenario: --memory 64m becomes the memory limit of the container's cgroup
    Source: "Resource constraints" (https://docs.docker.com/engine/containers/resource_constraints/)
    (--memory); measured on Docker 20.10.24 and 26.1.5: memory.limit_in_bytes 67108864 on cgroup v1.
    When I ran "docker run -d --memory 64m --name <app> dockspec/busybox sleep 1000"
    Then the cgroup of container "<app>" limits memory to 67108864 bytes

  # seen failing: expected 21 processes → "…/pids.max: expected '20' to equal '21'".
  @req:isolation.cgroup-pids
  Scenario: --pids-limit 20 becomes pids.max of the container's cgroup
    Source: "docker container run" (https://docs.docker.com/reference/cli/docker/container/run/)
    (options: --pids-limit tunes the container's pids limit); measured on Docker 20.10.24 and
    26.1.5: pids.max 20.
    When I ran "docker run -d --pids-limit 20 --name <app> dockspec/busybox sleep 1000"
    Then the cgroup of container "<app>" limits it to 20 processes

  # seen failing: ran it with --cpus 1.5 → "…/cpu.cfs_quota_us: expected '150000' to equal '50000'".
  @req:isolation.cgroup-cpus
  Scenario: --cpus 0.5 becomes a CFS quota of half of each period
    Docker keeps the kernel's default period of 100 ms and sets the quota to the fraction of it.
    Source: "Running containers" (https://docs.docker.com/engine/containers/run/#cpu-period-constraint):
    the default CFS period is 100 ms and --cpus=0.5 is half of it; measured on Docker 20.10.24 and
    26.1.5: cpu.cfs_quota_us 50000.
    When I ran "docker run -d --cpus 0.5 --name <app> dockspec/busybox sleep 1000"
    Then the cgroup of container "<app>" allows 50000 microseconds of CPU time every 100000 microseconds

  # seen failing: dropped --pids-limit 30 → "pids.current is 201, above 30" (all 200 sleeps ran);
  # and expected between 180 and 199 failed forks → "expected 172 to be within 180..199".
  @req:isolation.pids-fork-bomb
  Scenario: A fork bomb stops at the pids limit, and the host stays fine
    The container's shell tries to start 200 background sleeps, one command at a time through an
    interactive `sh -i` (a non-interactive shell exits at its first failed fork), and counts the
    "can't fork" errors. The kernel refuses every fork beyond the cgroup's pids.max, so no more
    than 30 processes ever exist in the container, while the host goes on starting processes.
    Source: "docker container run" (https://docs.docker.com/reference/cli/docker/container/run/)
    (options: --pids-limit); measured on Docker 20.10.24 and 26.1.5: never more than 30 processes,
    the host unaffected.
    When I ran "docker run -d --pids-limit 30 --name <bomb> dockspec/busybox sh -c 'for i in $(seq 200); do echo sleep 20 \&; done | sh -i >/dev/null 2>/tmp/err; n=0; while read l; do case $l in *fork*) n=$((n+1));; esac; done </tmp/err; echo forks failed: $n; exec sleep 20'"
    Then the processes in the cgroup of container "<bomb>" never number more than 30, and the kernel refuses forks beyond that
    And the host can still start a process
    And within 15 seconds container "<bomb>" reports between 100 and 199 failed forks
    When I ran "docker rm -f <bomb>"
    Then the cgroup that container "<bomb>" had is gone, and so are the processes that were in it

  # seen failing: expected the limit "32MiB" → "limit in "316KiB / 64MiB": expected '64MiB' to
  # equal '32MiB'".
  @req:isolation.stats-memory
  Scenario: docker stats reports the container's memory use against its limit
    The engine reads these numbers from the container's cgroup (memory usage and limit).
    Source: "docker container stats" (https://docs.docker.com/reference/cli/docker/container/stats/);
    measured on Docker 20.10.24 and 26.1.5: usage out of the --memory limit.
    When I ran "docker run -d --memory 64m --name <app> dockspec/busybox sleep 1000"
    And I run "docker stats --no-stream --format '{{.MemUsage}}' <app>"
    Then the command succeeds
    And its output is a memory use above zero out of "64MiB"

  # seen failing: on docker+ref-shim while ref-containerd-shim answered Task.Stats Unimplemented
  # → "docker stats … exited 0, stdout: 0: expected '0' to equal '3'" (stats-memory said "0B / 0B").
  @req:isolation.stats-pids
  Scenario: docker stats counts the processes in the container's cgroup
    The engine reads the count from the container's pids cgroup (pids.current): the shell and the
    two processes it started.
    Source: "docker container stats" (https://docs.docker.com/reference/cli/docker/container/stats/)
    (PIDS counts the container's processes and threads); measured on Docker 20.10.24 and 26.1.5: 3.
    When I ran "docker run -d --name <app> dockspec/busybox sh -c 'sleep 1000 & sleep 1000 & wait'"
    And I run "docker stats --no-stream --format '{{.PIDs}}' <app>"
    Then the command succeeds
    And its output is "3"

  # seen failing: ran `docker pause app` instead of `docker rm -f app` → "gave up after 5000 ms
  # waiting for the cgroup directories of app to disappear: still there" (a paused container keeps
  # its cgroup: the freezer holds its processes in it).
  @req:isolation.cgroup-removed
  Scenario: The container's cgroup is removed with the container
    Source: measured on Docker 20.10.24 and 26.1.5: docker rm -f removes the cgroup and its
    processes (not found in the docs).
    When I ran "docker run -d --name <app> dockspec/busybox sleep 1000"
    Then the cgroup of container "<app>" holds its PID 1 and is named after its full id
    When I ran "docker rm -f <app>"
    Then the cgroup that container "<app>" had is gone, and so are the processes that were in it

  # seen failing: ran `docker pause app` instead of `docker stop` → the cgroup directories were
  # still there after 5 s.
  @req:isolation.cgroup-removed-on-stop
  Scenario: The cgroup goes when the container stops, though the container itself stays
    The cgroup belongs to the container's running task, not to the container: the runtime deletes
    it when PID 1 has exited, while `docker ps -a` still lists the stopped container.
    Source: measured on Docker 20.10.24 and 26.1.5: the cgroup goes at the stop, the container stays
    (not found in the docs).
    When I ran "docker run -d --name <app> dockspec/busybox sleep 1000"
    Then the cgroup of container "<app>" holds its PID 1 and is named after its full id
    When I ran "docker stop -t 0 <app>"
    Then the cgroup that container "<app>" had is gone, and so are the processes that were in it
    And the container "<app>" is in state "exited"

  # seen failing: ref-runc cloned the container straight into its new cgroup namespace (before
  # joining its cgroup) → "expected '/dockspec-fec46232/67ec18c2683e…' to equal '/'".
  @req:isolation.cgroup-namespace
  Scenario: With a cgroup namespace of its own, the container sees its cgroup as the root
    `--cgroupns private` (the default where the host has cgroup v2 alone) gives the container a
    cgroup namespace whose root is the container's own cgroup: /proc/self/cgroup inside shows "/"
    where the host shows the full path. The runtime must create the namespace only after the
    process has entered that cgroup, or the root would be the runtime's cgroup instead.
    Source: "docker container run" (https://docs.docker.com/reference/cli/docker/container/run/)
    (options: --cgroupns private); measured on Docker 20.10.24 and 26.1.5: "/" inside.
    When I ran "docker run -d --cgroupns private --name <app> dockspec/busybox sleep 1000"
    Then the cgroup of container "<app>" holds its PID 1 and is named after its full id
    And inside container "<app>", every line of /proc/self/cgroup names the root "/"
