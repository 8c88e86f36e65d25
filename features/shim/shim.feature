@shim
Feature: A shim per container keeps it alive without the daemons
  For each container, containerd starts a `containerd-shim` whose start step forks the long-running
  shim and exits, so the shim is re-parented to PID 1 (or a subreaper) instead of staying below
  containerd. The shim calls the runtime, becomes the parent of the container's PID 1, holds its
  stdio and keeps its exit status. Because nothing ties the container to the daemons, both can be
  killed and started again without the container noticing.

  # seen failing: expecting the parent to be a containerd process ("parent of PID 1 of web_svr01:
  # pid … ppid 1 … containerd-shim-runc-v2 … expected 'containerd-shim' to equal 'containerd'").
  @req:shim.parent-of-pid1
  Scenario: The shim is the parent of the container's PID 1 and is not a child of containerd
    The common picture draws the shim under containerd. On Docker its parent is PID 1 (or the
    nearest subreaper): the shim's start step daemonizes it, so containerd can die and restart.
    Source: "Container Lifecycle" (https://github.com/containerd/containerd/blob/main/docs/historical/design/lifecycle.md):
    the shim is the direct parent of the container's processes and is re-parented to the system's
    init; measured on Docker 20.10.24 and 26.1.5.
    Given a running engine
    And the image "dockspec/busybox"
    When I run "docker run -d --name <web_svr01> dockspec/busybox sleep 1000"
    Then the parent of PID 1 of container "<web_svr01>" is a containerd-shim process
    And it is outside the engine daemon's process tree

  # seen failing: expecting the address in the bundle's "config.json" instead ("… listens on
  # [\"/run/containerd/s/<sha256>\"]; …/config.json says {\"ociVersion\"…": expected [ Array(1) ] to include …).
  @req:shim.address-recorded
  Scenario: The shim listens on a socket of its own, and the bundle records its address
    The start step prints the address for containerd and writes it to the bundle's "address"
    file, where a restarted containerd finds its live shims again. The shim works in the bundle.
    Source: "Runtime v2" (https://github.com/containerd/containerd/blob/main/docs/runtime-v2.md):
    the start command writes the address it serves on; measured on Docker 20.10.24 and 26.1.5: the
    bundle's address file and the shim's working directory.
    Given a running engine
    And the image "dockspec/busybox"
    When I run "docker run -d --name <web_svr01> dockspec/busybox sleep 1000"
    Then the shim of container "<web_svr01>" runs in the container's bundle, beside its config.json
    And the shim listens on a unix socket whose address the bundle's "address" file records

  # seen failing: expecting 2 containerd-shim processes for the one container ("containerd-shim-runc-v2
  # processes of the engine: pid … ppid 1 … expected 1 to equal 2").
  @req:shim.start-exits
  Scenario: The shim's start step exits and the serving shim is nobody's child
    containerd runs "<shim> … start", which launches the serving shim and exits; containerd waits
    for that exit to read the address. What is left is one shim, re-parented away from containerd.
    Source: "Runtime v2" (https://github.com/containerd/containerd/blob/main/docs/runtime-v2.md):
    the shim's start launches the serving shim, returns its address and exits; measured on Docker
    20.10.24 and 26.1.5.
    Given a running engine
    And the image "dockspec/busybox"
    When I run "docker run -d --name <web_svr01> dockspec/busybox sleep 1000"
    Then no containerd-shim process of the engine is running its "start" step
    And the engine has 1 containerd-shim processes
    And it is outside the engine daemon's process tree

  # seen failing: expecting 1 containerd-shim process for the two containers ("expected 2 to equal 1").
  @req:shim.one-per-container
  Scenario: Each container has a shim of its own
    Source: "Container Lifecycle" (https://github.com/containerd/containerd/blob/main/docs/historical/design/lifecycle.md):
    each container has its own shim
    ("Runtime v2" (https://github.com/containerd/containerd/blob/main/docs/runtime-v2.md) lets a
    shim serve many; Docker's does not); measured on Docker 20.10.24 and 26.1.5.
    Given a running engine
    And the image "dockspec/busybox"
    When I ran "docker run -d --name <web_svr01> dockspec/busybox sleep 1000"
    And I ran "docker run -d --name <web_svr02> dockspec/busybox sleep 1000"
    Then the engine has 2 containerd-shim processes
    And the containers "<web_svr01>" and "<web_svr02>" have different shims

  # seen failing: expecting 127.0.0.1:<port> to be accepted during the outage ("expected
  # 'ECONNREFUSED' to equal 'accepted'": the proxy died with dockerd).
  @req:shim.survives-daemons @daemon-control
  Scenario: Killing both daemons with SIGKILL leaves the container and its shim running
    containerd dies with the engine daemon (it is killed when its parent dies), and so do the
    port's proxies; the container goes on serving on its own address.
    Source: "Container Lifecycle" (https://github.com/containerd/containerd/blob/main/docs/historical/design/lifecycle.md):
    containers are not tied to containerd's lifecycle; measured on Docker 20.10.24 and 26.1.5:
    containerd and the proxies die with dockerd, the container serves on.
    Given a running engine
    And the image "dockspec/busybox"
    And I ran "docker run -d -p <port>:80 --name <web_svr01> dockspec/busybox httpd -f -p 80 -h /www"
    And a TCP connection to port 80 of container "<web_svr01>" is accepted
    And a TCP connection to "127.0.0.1:<port>" is accepted
    When the engine daemon is killed with SIGKILL
    Then within 5 seconds the engine has no containerd process
    And within 5 seconds the engine has no docker-proxy process
    And the PID 1 that container "<web_svr01>" had before the outage is still running, a child of the same shim
    And a TCP connection to "127.0.0.1:<port>" is refused
    And a TCP connection to port 80 of container "<web_svr01>" is accepted

  # seen failing: setup broken, the engine started without "--live-restore": after the restart
  # docker ps no longer lists web_svr01 as running ("expected '' to include 'web_svr01 Up'").
  @req:shim.live-restore @daemon-control
  Scenario: After a restart with --live-restore the container is listed Up with the same PID
    Source: "Live restore" (https://docs.docker.com/engine/daemon/live-restore/): containers keep
    running while the daemon is unavailable; measured on Docker 20.10.24 and 26.1.5: same PID 1
    after the restart.
    Given a running engine started with "--live-restore"
    And the image "dockspec/busybox"
    And I ran "docker run -d --name <web_svr01> dockspec/busybox sleep 1000"
    When the engine daemon is killed with SIGKILL
    And the engine is started again
    And I run "docker ps --filter name=^<web_svr01>$ --format '{{.Names}} {{.Status}}'"
    Then its output contains "<web_svr01> Up"
    And container "<web_svr01>" runs the same PID 1 as before the outage

  # seen failing: setup broken, the engine started with "--live-restore": "gave up after 15000 ms
  # waiting for PID 1 of web_svr01 … and its shim … to be gone: still there: …".
  @req:shim.restart-stops @daemon-control
  Scenario: Without --live-restore the engine stops surviving containers while it starts
    The container survived the outage, but a daemon without live-restore does not adopt it: it
    stops it (SIGTERM, then SIGKILL after the stop timeout) before it serves the API.
    Source: "Live restore" (https://docs.docker.com/engine/daemon/live-restore/): by default the
    daemon shuts down running containers; measured on Docker 20.10.24 and 26.1.5: after a SIGKILL it
    does so when it starts again.
    Given a running engine
    And the image "dockspec/busybox"
    And I ran "docker run -d --name <web_svr01> dockspec/busybox sh -c 'trap \"exit 0\" TERM; while true; do sleep 0.1; done'"
    When the engine daemon is killed with SIGKILL
    Then the PID 1 that container "<web_svr01>" had before the outage is still running, a child of the same shim
    When the engine is started again
    Then the PID 1 that container "<web_svr01>" had before the outage is gone within 15 seconds, and so is its shim
    And the container "<web_svr01>" is in state "exited"

  # seen failing: with the step requiring 10000 lines past the last one before the outage ("the logs
  # end at "line70""), and with a container counting in steps of 2, a gap ("line 2 of the logs is
  # "line2", expected "line1""). Without --live-restore it passes too: see the description.
  @req:shim.holds-output @daemon-control
  Scenario: Output written while the daemons are down appears in docker logs afterwards
    The shim holds the container's stdout; while nobody reads it, the output waits in the pipe
    (a fast writer blocks once about 128 KB are pending) and nothing is lost. Measured: this holds
    even without --live-restore, since the restarting engine reads the pipe before it stops the
    container.
    Source: "Container Lifecycle" (https://github.com/containerd/containerd/blob/main/docs/historical/design/lifecycle.md):
    the shim holds the container's STDIO;
    "Live restore" (https://docs.docker.com/engine/daemon/live-restore/): a full FIFO (64K by
    default) blocks the container's logging; measured on Docker 20.10.24 and 26.1.5: no line lost.
    Given a running engine started with "--live-restore"
    And the image "dockspec/busybox"
    And I ran "docker run -d --name <ticker01> dockspec/busybox sh -c 'i=0; while true; do echo line$i; i=$((i+1)); sleep 0.2; done'"
    And the logs of container "<ticker01>" have reached "line3"
    When the engine daemon is killed with SIGKILL
    And the daemons stay down for 2 seconds
    And the engine is started again
    Then the logs of container "<ticker01>" count on from line0 with no line missing, past the outage

  # seen failing: expecting "0" from docker wait ("expected '7' to equal '0'").
  # The container exits when it is told to, during the outage: with a fixed `sleep 3` it had already
  # exited in the cgroup v2 guest (software emulation) before the kill step had looked at it.
  @req:shim.exit-status-kept @daemon-control
  Scenario: A container that exits while the daemons are down reports its exit code after the restart
    The shim reaps the container and keeps its exit status until containerd asks for it, so the
    restarted engine learns the real code instead of marking the container as killed.
    Source: "Container Lifecycle" (https://github.com/containerd/containerd/blob/main/docs/historical/design/lifecycle.md):
    the shim writes the container's exit status for containerd; measured on Docker 20.10.24 (26.1.5
    differs: docs/docker-versions.md): docker wait gives 7 (containerd 1.7 loses it).
    Given a running engine started with "--live-restore"
    And the image "dockspec/busybox"
    And I ran "docker run -d --name <job01> dockspec/busybox sh -c 'trap \"exit 7\" USR1; while true; do sleep 1; done'"
    When the engine daemon is killed with SIGKILL
    And the PID 1 that container "<job01>" had before the outage is sent SIGUSR1 from the host
    Then the PID 1 that container "<job01>" had before the outage exits within 10 seconds; its shim does not
    When the engine is started again
    And I run "docker wait <job01>"
    Then its output is "7"
    When I run "docker inspect -f '{{.State.ExitCode}}' <job01>"
    Then its output is "7"
