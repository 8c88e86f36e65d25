@init
Feature: Engine-wide init settings: --init and --init-path
  `dockerd --init` makes every container start under docker-init, as if each `docker run` had
  `--init`; a container can still say `--init=false`. `dockerd --init-path <file>` changes which
  binary the engine bind-mounts at /sbin/docker-init; `docker info` reports it as `Init Binary`.

  # seen failing: started the engine without --init → PID 1 was "sleep 30".
  @req:init.daemon-wide
  Scenario: An engine started with --init puts docker-init in front of every container's command
    Source: "dockerd" (https://docs.docker.com/reference/cli/dockerd/) (options: --init runs an init
    in every container); measured on Docker 20.10.24 and 26.1.5.
    Given a running engine started with "--init"
    And the image "dockspec/busybox"
    When I ran "docker run -d --name <app> dockspec/busybox sleep 30"
    Then PID 1 of container "<app>" is "/sbin/docker-init -- sleep 30"
    And "sleep 30" runs as a child of PID 1 in container "<app>"

  # seen failing: dropped --init=false → PID 1 was "/sbin/docker-init -- sleep 30".
  @req:init.daemon-wide-opt-out
  Scenario: With an engine-wide --init, a container can still opt out with --init=false
    Source: measured on Docker 20.10.24 and 26.1.5: --init=false wins over the daemon's --init (not found
    in the docs).
    Given a running engine started with "--init"
    And the image "dockspec/busybox"
    When I ran "docker run -d --init=false --name <app> dockspec/busybox sleep 30"
    Then PID 1 of container "<app>" is "sleep 30"

  # seen failing: started the engine with --init only (no --init-path) → /sbin/docker-init had inode 2170891 (tini-static), not the copy's 2154514.
  @req:init.init-path
  Scenario: --init-path makes the engine mount a different init binary
    The copy has the same content as the engine's init, so only its identity (the inode the
    container sees through the bind mount) tells that the engine used the file it was given.
    Source: "dockerd" (https://docs.docker.com/reference/cli/dockerd/) (options: --init-path, the
    path to the docker-init binary); measured on Docker 20.10.24 and 26.1.5: docker info shows the
    path and the container gets that file.
    Given a copy of the target's docker-init binary as <init_copy>
    And a running engine started with "--init --init-path <init_copy>"
    And the image "dockspec/busybox"
    When I run "docker info"
    Then its output contains "Init Binary: <init_copy>"
    When I ran "docker run -d --name <app> dockspec/busybox sleep 30"
    Then PID 1 of container "<app>" is "/sbin/docker-init -- sleep 30"
    And /sbin/docker-init in container "<app>" is the host file <init_copy>
