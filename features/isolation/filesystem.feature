@isolation
Feature: --read-only makes the container's root filesystem read-only
  The container's root is a mount of the image's layers with a writable layer on top, in its own
  mount namespace. `--read-only` mounts that root read-only. Docker does not put a tmpfs on /tmp
  for it: /tmp is part of the root and read-only too, unless `--tmpfs /tmp` asks for one. /dev and
  /dev/shm are mounts of their own and stay writable.

  Background:
    Given a running engine
    And the image "dockspec/busybox"

  # seen failing: ran without --read-only → "docker exec app touch /x" exited 0.
  @req:isolation.read-only-rootfs
  Scenario: Under --read-only, writing to / and to /tmp fails, /dev/shm stays writable
    Source: "docker container run" (https://docs.docker.com/reference/cli/docker/container/run/#read-only):
    --read-only mounts the root filesystem read only; measured on Docker 20.10.24 and 26.1.5: /tmp
    read-only too, /dev/shm writable.
    When I ran "docker run -d --read-only --name <app> dockspec/busybox sleep 1000"
    And I run "docker exec <app> touch /x"
    Then the command fails with exit code 1
    And its error says "Read-only file system"
    When I run "docker exec <app> touch /tmp/x"
    Then the command fails with exit code 1
    And its error says "Read-only file system"
    When I run "docker exec <app> touch /dev/shm/x"
    Then the command succeeds

  # seen failing: left out --tmpfs /tmp → "docker exec app touch /tmp/x" exited 1, "touch: /tmp/x:
  # Read-only file system".
  @req:isolation.read-only-tmpfs
  Scenario: --tmpfs /tmp gives a read-only container a writable /tmp, and the root stays read-only
    Source: "docker container run" (https://docs.docker.com/reference/cli/docker/container/run/#tmpfs)
    (--tmpfs mounts a tmpfs); measured on Docker 20.10.24 and 26.1.5: /tmp writable, / still ro.
    When I ran "docker run -d --read-only --tmpfs /tmp --name <app> dockspec/busybox sleep 1000"
    And I run "docker exec <app> touch /tmp/x"
    Then the command succeeds
    When I run "docker exec <app> touch /x"
    Then the command fails with exit code 1
    When I run "docker exec <app> grep -E '^[^ ]+ / ' /proc/mounts"
    Then its output contains " / "
    And its output contains " ro,"
