@transports
Feature: ssh:// runs the CLI's HTTP through an ssh session
  With `DOCKER_HOST=ssh://user@host:port` the CLI opens no socket: it runs
  `ssh -l user -p port -- host docker system dial-stdio` and speaks HTTP over that process's stdin and
  stdout. On the remote side `docker system dial-stdio` is another docker CLI that joins its stdio to
  its own DOCKER_HOST, so the remote machine needs the docker CLI, and the daemon never sees ssh.

  @req:transports.ssh
  Scenario: DOCKER_HOST=ssh://… goes through ssh and docker system dial-stdio
    Source: "dockerd" (https://docs.docker.com/reference/cli/dockerd/#daemon-socket-option) and
    "Protect the Docker daemon socket" (https://docs.docker.com/engine/security/protect-access/):
    the CLI reaches a daemon over ssh://; measured on Docker 20.10.24 and 26.1.5: the ssh command
    line and docker system dial-stdio.
    # seen failing: expecting "-p 22" in the client's ssh command line: "gave up after 10000 ms waiting for a \"ssh\" process running \"-l root -p 22 -- 127.0.0.1 docker system dial-stdio\" whose parent is the docker client".
    Given a running engine
    And the image "dockspec/busybox"
    And an OpenSSH server on 127.0.0.1:<sshport> whose sessions reach the engine
    When I run "DOCKER_HOST=ssh://root@127.0.0.1:<sshport> docker version --format '{{.Server.Os}}'"
    Then its output is "linux"
    When I start "DOCKER_HOST=ssh://root@127.0.0.1:<sshport> docker run --rm dockspec/busybox sleep 3" without waiting
    Then within 10 seconds the docker client has a child "ssh" running "-l root -p <sshport> -- 127.0.0.1 docker system dial-stdio"
    And the OpenSSH server runs "docker system dial-stdio" for a session
    When it has finished
    Then the command succeeds
