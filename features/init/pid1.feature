@init
Feature: PID 1 of a container: the command itself, or docker-init in front of it
  A container's first process is PID 1 of a new pid namespace. Without `--init` that process is the
  command itself. With `--init` the engine bind-mounts its own init binary (tini, installed as
  `docker-init`) read-only at /sbin/docker-init, runs `/sbin/docker-init -- <cmd>` as PID 1, and the
  init starts the command as its child, in a process group of its own. The init is never part of
  the image: it comes from the engine's host, so it works in any image, even one without a shell.

  Background:
    Given a running engine
    And the image "dockspec/busybox"

  # seen failing: ran it with --init → PID 1 was "/sbin/docker-init -- sleep 30", not "sleep 30".
  @req:init.command-is-pid1
  Scenario: Without --init the command itself is PID 1
    The container has no init of its own: the host's `ps` and the container's `ps` show the same
    process, once with its host pid and once as PID 1 (NSpid shows both).
    Source: "docker container run" (https://docs.docker.com/reference/cli/docker/container/run/#init):
    --init puts an init in as PID 1, so without it the command is PID 1; measured on Docker 20.10.24
    and 26.1.5.
    When I ran "docker run -d --name <app> dockspec/busybox sleep 30"
    Then PID 1 of container "<app>" is "sleep 30"
    And inside container "<app>", PID 1 is "sleep 30"

  # seen failing: ran it without --init → PID 1 was "sleep 30", not "/sbin/docker-init -- sleep 30".
  @req:init.init-is-pid1
  Scenario: With --init, PID 1 is /sbin/docker-init and the command is its child in its own process group
    Source: the account (docs/design.md): docker-init -- <cmd> as PID 1 with the command as its
    child;
    "docker container run" (https://docs.docker.com/reference/cli/docker/container/run/#init):
    docker-init is tini; measured on Docker 20.10.24 and 26.1.5: the command's own process group.
    When I ran "docker run -d --init --name <app> dockspec/busybox sleep 30"
    Then PID 1 of container "<app>" is "/sbin/docker-init -- sleep 30"
    And inside container "<app>", PID 1 is "/sbin/docker-init -- sleep 30"
    And "sleep 30" runs as a child of PID 1 in container "<app>"
    And it leads its own process group

  # seen failing: touched /tmp/x instead of /sbin/docker-init → exit 0, not 1.
  @req:init.bind-mounted-ro
  Scenario: /sbin/docker-init is the engine's own binary, bind-mounted read-only
    The image does not contain /sbin/docker-init. What the container sees there is the host's file
    (same inode), and the mount is read-only so that a container cannot replace the engine's init.
    Source: the account (docs/design.md): the engine's init is bind-mounted read-only at
    /sbin/docker-init;
    "docker container run" (https://docs.docker.com/reference/cli/docker/container/run/#init): the
    first docker-init in the daemon's PATH; measured on Docker 20.10.24 and 26.1.5: same inode,
    read-only.
    When I ran "docker run -d --init --name <app> dockspec/busybox sleep 30"
    Then /sbin/docker-init in container "<app>" is the engine's docker-init binary
    And /sbin/docker-init in container "<app>" is mounted read-only
    When I run "docker exec <app> touch /sbin/docker-init"
    Then the command fails with exit code 1
    And its error says "Read-only file system"

  # seen failing: expected "Init Binary: tini" → docker info says "Init Binary: docker-init".
  @req:init.info-init-binary
  Scenario: docker info names the init binary, which is mounted only into containers that ask for it
    Source: "docker system info" (https://docs.docker.com/reference/cli/docker/system/info/) (its
    example shows "Init Binary: docker-init"); measured on Docker 20.10.24 and 26.1.5:
    /sbin/docker-init is absent without --init.
    When I run "docker info"
    Then its output contains "Init Binary: docker-init"
    When I ran "docker run -d --name <app> dockspec/busybox sleep 30"
    And I run "docker exec <app> ls /sbin/docker-init"
    Then the command fails with exit code 1
