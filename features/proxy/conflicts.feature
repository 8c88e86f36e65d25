@proxy
Feature: Who may take a host port
  The engine keeps its own table of published host ports (the port allocator). A host address and
  port can be published once; a second container asking for it is refused by the allocator before
  any proxy starts. A port held by a process the engine does not know about is only discovered when
  the proxy tries to bind it. Either way `docker run -d` has already created the container, which
  stays in state Created.

  Background:
    Given a running engine
    And the image "dockspec/busybox"

  # seen failing: second container on <port2> instead of <port> → docker run exited 0.
  @req:proxy.conflict-allocated
  Scenario: A second container cannot take a host port that is already published
    The common account says two proxies would race for the port. Docker refuses earlier: its port
    allocator rejects the duplicate before any proxy starts, and the first container keeps serving.
    Source: measured on Docker 20.10.24 and 26.1.5: the port allocator's error, exit code 125, the
    second container left Created (not found in the docs).
    Given a container "<web_svr01>" publishing <port>:80
    When I run "docker run -d -p <port>:90 --name <web_svr02> dockspec/busybox httpd -f -p 90"
    Then the command fails with exit code 125
    And its error says "driver failed programming external connectivity on endpoint <web_svr02>"
    And its error says "Bind for 0.0.0.0:<port> failed: port is already allocated"
    And the container "<web_svr02>" is in state "created"
    And the engine has 2 docker-proxy processes
    And an HTTP request to 127.0.0.1:<port> is still answered by "<web_svr01>"

  # seen failing: expected 127.0.0.2:<port> to be served by web_svr01 → its proxy forwards to web_svr02's address.
  @req:proxy.same-port-two-addresses
  Scenario: The same port on two host addresses belongs to two containers
    Source: "Port publishing and mapping" (https://docs.docker.com/engine/network/port-publishing/):
    -p HOST-IP:PORT:PORT maps one host address; measured on Docker 20.10.24 and 26.1.5: two
    containers, one port, two addresses.
    Given a container "<web_svr01>" publishing 127.0.0.1:<port>:80
    And a container "<web_svr02>" publishing 127.0.0.2:<port>:80
    Then a docker-proxy process listens on 127.0.0.1:<port>
    And a docker-proxy process listens on 127.0.0.2:<port>
    And an HTTP request to 127.0.0.1:<port> is answered by "<web_svr01>"
    And an HTTP request to 127.0.0.2:<port> is answered by "<web_svr02>"

  # seen failing: without the outside listener → docker run exited 0.
  @req:proxy.port-held-outside
  Scenario: A host port held outside the engine fails when the proxy binds it
    The allocator knows only the engine's own ports, so this run gets past it; the proxy's bind
    fails and the engine reports the proxy's error, with no proxy left running.
    Source: measured on Docker 20.10.24 and 26.1.5: "Error starting userland proxy", exit code 125,
    the container left Created.
    Given a process outside the engine listens on 0.0.0.0:<port>
    When I run "docker run -d -p <port>:80 --name <web_svr01> dockspec/busybox httpd -f -p 80 -h /www"
    Then the command fails with exit code 125
    And its error says "Error starting userland proxy: listen tcp4 0.0.0.0:<port>: bind: address already in use"
    And the container "<web_svr01>" is in state "created"
    And the engine has no docker-proxy process
