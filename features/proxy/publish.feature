@proxy
Feature: docker-proxy carries a published port to the container
  Publishing a port (`-p HOST:CONTAINER`) makes the engine start a proxy process on the host for
  each host address: one for 0.0.0.0 and one for `::`. Each listens on HOST and forwards every
  connection over the bridge to the container's address and CONTAINER port. The proxies are
  children of the engine daemon, start before `docker run` returns, and end when the container
  stops. (The suite runs Docker with --iptables=false, so the proxy carries all published traffic.)

  Background:
    Given a running engine
    And the image "dockspec/busybox"

  # seen failing: ran it without -p → no docker-proxy listened on the port.
  @req:proxy.per-mapping
  Scenario: Publishing a port starts proxies, children of the engine daemon, that carry HTTP to the container
    Source: the account (docs/design.md): docker-proxy processes, children of dockerd, for each
    published port; "Port publishing and mapping" (https://docs.docker.com/engine/network/port-publishing/)
    describes published ports as firewall (NAT) rules and the proxy only as --userland-proxy;
    measured on Docker 20.10.24 and 26.1.5 with --iptables=false: the proxy carries the traffic.
    When I run "docker run -d -p <port>:80 --name <web_svr01> dockspec/busybox httpd -f -p 80 -h /www"
    Then the command succeeds
    And a docker-proxy process listens on port <port>
    And the engine daemon is its parent
    And an HTTP request to 127.0.0.1:<port> is answered by the container

  # seen failing: expected 1 docker-proxy → the engine had 2 (0.0.0.0 and ::).
  @req:proxy.arguments
  Scenario: One proxy per host address, with docker-proxy's flags naming both ends
    The common account draws one proxy per published port. Docker starts two: one for IPv4
    (0.0.0.0) and one for IPv6 (::), even though the bridge has no IPv6 address.
    Source: "Port publishing and mapping" (https://docs.docker.com/engine/network/port-publishing/):
    without a host address a port is published on 0.0.0.0 and [::]; measured on Docker 20.10.24 and
    26.1.5: one proxy per address, with these flags.
    Given a container "<web_svr01>" publishing <port>:80
    And container "<web_svr01>" has a bridge address <web_ip>
    Then the engine has 2 docker-proxy processes
    And a docker-proxy process listens on 0.0.0.0:<port>
    And its arguments are "-proto tcp -host-ip 0.0.0.0 -host-port <port> -container-ip <web_ip> -container-port 80"
    And a docker-proxy process listens on [::]:<port>
    And its arguments are "-proto tcp -host-ip :: -host-port <port> -container-ip <web_ip> -container-port 80"

  # seen failing: added -p <port>:80 → the engine had 2 docker-proxy processes.
  @req:proxy.none-without-publish
  Scenario: A container without -p gets no proxy
    Source: the account (docs/design.md): a proxy per published port, so none without -p; measured
    on Docker 20.10.24 and 26.1.5.
    When I ran "docker run -d --name <web_svr01> dockspec/busybox httpd -f -p 80 -h /www"
    Then PID 1 of container "<web_svr01>" is "httpd -f -p 80 -h /www"
    But the engine has no docker-proxy process

  # seen failing: expected CLI 20.10's ":::<port>->80/tcp" → CLI 28 prints "[::]:<port>->80/tcp".
  @req:proxy.ps-shows-mapping
  Scenario: docker ps and docker port show the mapping for both host addresses
    Source: measured on Docker 20.10.24 and 26.1.5 with CLI 28.2: the PORTS column and docker port
    (CLI 20.10 writes ":::" for "[::]").
    Given a container "<web_svr01>" publishing <port>:80
    When I run "docker ps --filter name=^<web_svr01>$ --format '{{.Names}} {{.Ports}}'"
    Then its output is "<web_svr01> 0.0.0.0:<port>->80/tcp, [::]:<port>->80/tcp"
    When I run "docker port <web_svr01> 80"
    Then its output contains "0.0.0.0:<port>"
    And its output contains "[::]:<port>"

  # seen failing: docker pause instead of docker stop -t 1 → both docker-proxy processes were still there.
  @req:proxy.stop-ends-proxies
  Scenario: Stopping the container ends its proxies and frees the host port; starting it brings them back
    httpd as PID 1 ignores SIGTERM, so a 1 s grace period keeps the stop short.
    Source: measured on Docker 20.10.24 and 26.1.5: the proxies end with the container and come back
    with docker start (not found in the docs).
    Given a container "<web_svr01>" publishing <port>:80
    And the engine has 2 docker-proxy processes
    When I ran "docker stop -t 1 <web_svr01>"
    Then the engine has no docker-proxy process
    And an HTTP request to 127.0.0.1:<port> is refused
    And port <port> is free on the host
    When I ran "docker start <web_svr01>"
    Then a docker-proxy process listens on port <port>
    And an HTTP request to 127.0.0.1:<port> is answered by the container
