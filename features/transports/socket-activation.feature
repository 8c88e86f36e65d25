@transports
Feature: dockerd serves on a socket handed to it by socket activation (-H fd://)
  With `-H fd://` dockerd opens no socket itself: it takes the listening sockets its parent passed as
  inherited file descriptors, announced in LISTEN_FDS and LISTEN_PID (the systemd protocol). Any
  launcher that speaks the protocol works, systemd itself is not needed: `systemd-socket-activate`
  creates the socket, waits for the first connection and then starts the daemon on it.

  @req:transports.fd-activation @daemon-control
  Scenario: Under systemd-socket-activate the daemon serves on the socket it was passed
    Source: "dockerd" (https://docs.docker.com/reference/cli/dockerd/#daemon-socket-option): with -H
    fd:// the daemon takes its sockets from systemd socket activation; measured on Docker 20.10.24
    and 26.1.5: systemd-socket-activate alone suffices.
    # seen failing: expecting "windows": "expected 'linux' to equal 'windows'" through the activated socket.
    Given a running engine started by "systemd-socket-activate -l <sock>" with the listeners "-H fd://"
    When I run "DOCKER_HOST=unix://<sock> docker version --format '{{.Server.Os}}'"
    Then its output is "linux"
    And the engine daemon listens on "unix://<sock>"

  @req:transports.fd-without-sockets @daemon-control
  Scenario: -H fd:// with no socket passed stops the daemon at once
    Source: "dockerd" (https://docs.docker.com/reference/cli/dockerd/#daemon-socket-option): without
    the activated sockets the daemon exits; measured on Docker 20.10.24 and 26.1.5: exit code 1 and
    the log line.
    # seen failing: expecting exit code 2: "daemon exit code: expected 1 to equal 2".
    When an engine is started with the listeners "-H fd://" and nothing passed to it
    Then the engine daemon exits with code 1 within 20 seconds
    And the daemon log says "failed to load listeners: no sockets found via socket activation: make sure the service was started by systemd"
