@restart
Feature: The engine daemon restarts containers by their restart policy
  A restart policy is the engine daemon's job, not the shim's nor containerd's: when the daemon
  learns that a container's command ended, the policy (no, always, unless-stopped, on-failure[:N])
  decides whether it starts the container again, after 100 ms, doubled on each restart. The count
  shows as RestartCount. When the daemon itself starts, it starts what the policy says among the
  containers that stopped while it was away, but never one that was only created.

  # seen failing: with the fault switch restart-policy-ignored ("gave up after 10000 ms waiting for
  # job01 to have been restarted 2 times … status exited, … RestartCount 0"; the deadline was 10 s then).
  @req:restart.after-exit
  Scenario Outline: After the command exits <code>, --restart=<policy> starts the container again
    Source: "docker container run" (https://docs.docker.com/reference/cli/docker/container/run/#restart):
    always, unless-stopped, on-failure restart after an exit, with a delay doubling from 100 ms;
    measured on Docker 20.10.24 and 26.1.5.
    Given a running engine
    And the image "dockspec/busybox"
    When I ran "docker run -d --restart=<policy> --name <job01> dockspec/busybox sh -c 'echo ran; exit <code>'"
    Then within 30 seconds container "<job01>" has been restarted at least 2 times

    Examples:
      | policy         | code |
      | always         | 0    |
      | unless-stopped | 0    |
      | on-failure     | 3    |

  # seen failing: with the fault switch restart-policy-ignored, the on-failure:2 row ("gave up after
  # 15000 ms waiting for job01 to be exited after 2 restarts (last seen: status exited, … RestartCount 0")).
  @req:restart.stays-stopped
  Scenario Outline: After the command exits <code>, --restart=<policy> leaves it exited after <restarts> restarts
    Source: "docker container run" (https://docs.docker.com/reference/cli/docker/container/run/#restart):
    no, on-failure only on a non-zero code, on-failure:N at most N times; measured on Docker
    20.10.24 and 26.1.5.
    Given a running engine
    And the image "dockspec/busybox"
    When I ran "docker run -d --restart=<policy> --name <job01> dockspec/busybox sh -c 'echo ran; exit <code>'"
    Then container "<job01>" is restarted <restarts> times and then stays exited

    Examples:
      | policy       | code | restarts |
      | no           | 3    | 0        |
      | on-failure   | 0    | 0        |
      | on-failure:2 | 3    | 2        |

  # seen failing: with the fault switch restart-policy-ignored ("gave up after 10000 ms waiting for
  # svc01 to run again with a PID 1 other than … status exited, pid 0, RestartCount 0, exit code 137").
  @req:restart.after-sigkill
  Scenario Outline: When its PID 1 is killed with SIGKILL from the host, a container with --restart=<policy> <outcome>
    A SIGKILL from outside is an exit like any other (code 137); only `docker stop` and `docker kill`
    tell the engine that the user wants the container stopped.
    Source: "docker container run" (https://docs.docker.com/reference/cli/docker/container/run/#restart);
    measured on Docker 20.10.24 and 26.1.5: a SIGKILL from the host is an exit like any other, which
    always and on-failure (137 is not 0) restart and no does not.
    Given a running engine
    And the image "dockspec/busybox"
    And I ran "docker run -d --restart=<policy> --name <svc01> dockspec/busybox sleep 1000"
    When the PID 1 of container "<svc01>" is killed with SIGKILL from the host
    Then within 30 seconds container "<svc01>" <outcome>

    Examples:
      | policy     | outcome                      |
      | no         | settles in state "exited"    |
      | always     | runs again with another PID 1 |
      | on-failure | runs again with another PID 1 |

  # seen failing: with the fault switch restart-policy-ignored ("gave up after 20000 ms waiting for
  # svc01 to be running … status exited") for --restart=always without --live-restore; and on docker
  # with unless-stopped expected running ("… status exited, pid 0, RestartCount 0, exit code 0").
  @req:restart.daemon-restart @daemon-control
  Scenario Outline: After the engine daemon is killed and started <restore>, a container <made> with --restart=<policy> is <state>
    Without --live-restore the returning daemon stops the containers that survived it, then starts
    those whose policy says so; with it, it keeps them. A container that was only created is never
    started. moby's integration test TestDaemonRestartKillContainers has this matrix. Measured on
    dockerd 20.10: the daemon's own stop of a survivor counts as a stop by the user, so
    unless-stopped leaves it stopped where always starts it.
    Source: "docker container run" (https://docs.docker.com/reference/cli/docker/container/run/#restart)
    and "Live restore" (https://docs.docker.com/engine/daemon/live-restore/); moby's integration
    test TestDaemonRestartKillContainers; measured on Docker 20.10.24 and 26.1.5: unless-stopped
    stays exited after the daemon's own stop.
    Given a running engine started with "<flags>"
    And the image "dockspec/busybox"
    And I ran "docker <made> --restart=<policy> --name <svc01> dockspec/busybox sh -c 'trap \"exit 0\" TERM; while true; do sleep 0.1; done'"
    When the engine daemon is killed with SIGKILL
    And the engine is started again
    Then within 30 seconds container "<svc01>" settles in state "<state>"

    Examples:
      | restore                 | flags          | made   | policy         | state   |
      | without live-restore    |                | run -d | no             | exited  |
      | without live-restore    |                | run -d | always         | running |
      | without live-restore    |                | run -d | unless-stopped | exited  |
      | without live-restore    |                | create | always         | created |
      | with --live-restore     | --live-restore | run -d | no             | running |
      | with --live-restore     | --live-restore | run -d | always         | running |
