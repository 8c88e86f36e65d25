@runtime
Feature: The OCI runtime is a command, not a daemon
  The shim runs the container through an OCI runtime command line: `runc create`, `runc start`, and
  later `runc kill` and `runc delete`. Each call exits when done; once the container runs no runtime
  process is left. The engine knows runtimes by name (`--add-runtime name=path`); a container picks
  one with `docker run --runtime=name`, otherwise the engine's default (`--default-runtime`, `runc`).

  # seen failing: the same check for the shim instead of runc ("containerd-shim-runc-v2 processes
  # of the engine: expected [ Array(1) ] to deeply equal []"): the check does see engine processes.
  @req:runtime.exits
  Scenario: No runtime process remains once the container runs
    The popular picture shows runc as the container's parent. runc only creates the container and
    exits; the container's PID 1 is the shim's child.
    Source: the account (docs/design.md): runc has exited once the container runs;
    "Container Lifecycle" (https://github.com/containerd/containerd/blob/main/docs/historical/design/lifecycle.md):
    the shim, not runc, is the parent; measured on Docker 20.10.24 and 26.1.5.
    Given a running engine
    And the image "dockspec/busybox"
    When I ran "docker run -d --name <web_svr01> dockspec/busybox sleep 1000"
    Then no runc process is left in the engine's process tree
    And the parent of PID 1 of container "<web_svr01>" is a containerd-shim process

  # seen failing: expecting "Default Runtime: crun" ("expected 'Client:…' to include 'Default
  # Runtime: crun'").
  @req:runtime.info
  Scenario: docker info lists the runtimes and the default one
    Source: "docker system info" (https://docs.docker.com/reference/cli/docker/system/info/) (its
    example lists runc among the Runtimes and "Default Runtime: runc"); measured on Docker 20.10.24
    and 26.1.5.
    Given a running engine
    When I run "docker info"
    Then the command succeeds
    And the "Runtimes" line of its output lists "runc"
    And its output contains "Default Runtime: runc"

  # seen failing: expecting "create, start, pause, kill, delete" ("the wrapper's calls, in order:
  # create, start, kill, kill, delete, delete"). docker stop -t 1 of sleep: kill TERM, then KILL.
  @req:runtime.calls @daemon-control
  Scenario: The shim calls the runtime to create, start, kill and delete the container
    Source: "Runtime and Lifecycle" (https://github.com/opencontainers/runtime-spec/blob/main/runtime.md):
    create, start, kill and delete are the runtime's operations;
    "Runtime v2" (https://github.com/containerd/containerd/blob/main/docs/runtime-v2.md): the shim
    invokes runc; measured on Docker 20.10.24 and 26.1.5: the calls in order.
    Given a runtime wrapper <logrunc> that records its arguments
    And a running engine started with "--add-runtime logrunc=<logrunc>"
    And the image "dockspec/busybox"
    When I ran "docker run -d --runtime=logrunc --name <web_svr01> dockspec/busybox sleep 1000"
    Then the wrapper <logrunc> recorded the commands "create, start"
    And no runc process is left in the engine's process tree
    When I ran "docker stop -t 1 <web_svr01>"
    Then the wrapper <logrunc> recorded the commands "create, start, kill, delete"

  # seen failing: expecting HostConfig.Runtime "runc" for wrapped01 ("expected 'logrunc' to equal
  # 'runc'"); on docker26 with "features" among the commands plain01 must not cause ("the wrapper's
  # calls: features").
  @req:runtime.select @daemon-control
  Scenario: docker run --runtime selects a runtime added with --add-runtime; without it the default is used
    A container run without --runtime never reaches the added runtime. (dockerd 26.1 does call it
    once, `logrunc features`, when the daemon starts, to learn what it supports; dockerd 20.10 does
    not call it at all. Neither is a container's call.)
    Source: "dockerd" (https://docs.docker.com/reference/cli/dockerd/#configure-runc-drop-in-replacements)
    and
    "Alternative container runtimes" (https://docs.docker.com/engine/daemon/alternative-runtimes/):
    --add-runtime name=path, docker run --runtime; measured on Docker 20.10.24 and 26.1.5: dockerd
    26.1.5 also calls "features" once at start (docs/docker-versions.md).
    Given a runtime wrapper <logrunc> that records its arguments
    And a running engine started with "--add-runtime logrunc=<logrunc>"
    And the image "dockspec/busybox"
    When I ran "docker run -d --name <plain01> dockspec/busybox sleep 1000"
    Then the wrapper <logrunc> recorded none of the commands "create, start, run, kill, delete"
    When I run "docker inspect -f '{{.HostConfig.Runtime}}' <plain01>"
    Then its output is "runc"
    When I ran "docker run -d --runtime=logrunc --name <wrapped01> dockspec/busybox sleep 1000"
    Then the wrapper <logrunc> recorded the commands "create, start"
    When I run "docker inspect -f '{{.HostConfig.Runtime}}' <wrapped01>"
    Then its output is "logrunc"
    When I run "docker info"
    Then the "Runtimes" line of its output lists "logrunc"

  # seen failing: expecting exit code 1 ("exited 125 … expected 125 to equal 1").
  @req:runtime.unknown
  Scenario: An unknown runtime is refused before any container is created
    The error text is dockerd 20.10's. dockerd 26.1 refuses the same way (exit 125, nothing
    created) with "Error response from daemon: unknown or invalid runtime name: nosuch" (a listed
    deviation of docker26).
    Source: measured on Docker 20.10.24 (26.1.5 differs: docs/docker-versions.md): exit code 125,
    nothing created, and 20.10's text.
    Given a running engine
    And the image "dockspec/busybox"
    When I run "docker run --rm --name <web_svr01> --runtime=nosuch dockspec/busybox true"
    Then the command fails with exit code 125
    And its error says "Error response from daemon: Unknown runtime specified nosuch"
    When I run "docker ps -a --filter name=<web_svr01> --format '{{.Names}}'"
    Then its output is ""

  # seen failing: setup broken, the engine started without "--default-runtime logrunc" ("the
  # wrapper's calls, in order: (none)").
  @req:runtime.default @daemon-control
  Scenario: --default-runtime makes the engine use a runtime without --runtime
    Source: "dockerd" (https://docs.docker.com/reference/cli/dockerd/#configure-the-default-container-runtime):
    --default-runtime; measured on Docker 20.10.24 and 26.1.5.
    Given a runtime wrapper <logrunc> that records its arguments
    And a running engine started with "--add-runtime logrunc=<logrunc> --default-runtime logrunc"
    And the image "dockspec/busybox"
    When I ran "docker run -d --name <web_svr01> dockspec/busybox sleep 1000"
    Then the wrapper <logrunc> recorded the commands "create, start"
    When I run "docker inspect -f '{{.HostConfig.Runtime}}' <web_svr01>"
    Then its output is "logrunc"
    When I run "docker info"
    Then its output contains "Default Runtime: logrunc"
