@events
Feature: The engine daemon reports each step of a container's life as an event
  `docker events` is the engine daemon's own record: it logs create, start, kill, stop and destroy
  as it does them, and learns of die and oom from containerd, which heard them from the container's
  shim. Each event carries the container's id, image and name; die carries the exit code. The daemon
  keeps the last ones, so --since can replay them, and --until ends the stream.

  # seen failing: with the fault switch die-event-without-exit-code ("expected { image: …, name: … }
  # to have property 'exitCode'"), and before ref-dockerd had an event service ("the events of
  # job01 … to be create, start, die, destroy … streamed for job01: nothing").
  @req:events.container-life
  Scenario: docker events streams create, start, die with the exit code, and destroy, in order
    Source: "docker system events" (https://docs.docker.com/reference/cli/docker/system/events/)
    (create, start, die, destroy are container events); measured on Docker 20.10.24 and 26.1.5:
    their order and die's exitCode.
    Given a running engine
    And the image "dockspec/busybox"
    And the time now is noted as <now>
    And "docker events --since <now> --filter container=<job01> --format '{{json .}}'" is streaming events
    When I ran "docker run -d --name <job01> dockspec/busybox sh -c 'exit 3'"
    And I ran "docker wait <job01>"
    And I ran "docker rm <job01>"
    Then within 10 seconds the streamed events of container "<job01>" are "create, start, die, destroy"
    And the streamed "die" event of container "<job01>" has the attribute exitCode "3"

  # seen failing: with --until 0s, which the CLI rounds down to the whole second ("expected [
  # 'create', 'start', 'kill' ] to deeply equal [ 'create', 'start', 'kill', …(3) ]"), on dockerd 20.10.
  @req:events.since-until
  Scenario: docker events --since and --until replay what the daemon kept, and then end
    A stop is the daemon's stop signal (kill), SIGKILL after the timeout (kill), the exit (die), then
    stop. The command ends by itself: everything up to --until is in the past.
    Source: "docker system events" (https://docs.docker.com/reference/cli/docker/system/events/)
    (--since, --until; the daemon keeps the last 256 events); measured on Docker 20.10.24 (26.1.5
    differs: docs/docker-versions.md): kill, kill, die, stop (26.1.5: stop before die).
    Given a running engine
    And the image "dockspec/busybox"
    And I ran "docker run -d --name <job01> dockspec/busybox sleep 1000"
    And I ran "docker stop -t 1 <job01>"
    And the time now is noted as <now>
    When I run "docker events --since 60s --until <now> --filter container=<job01> --format '{{.Action}}'"
    Then the command succeeds
    And its output lines are "create, start, kill, kill, die, stop"
