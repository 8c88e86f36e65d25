@proxy
Feature: Containers on the same bridge talk directly
  Every container on the engine's bridge has its own address there. Traffic from one container to
  another goes over the bridge to that address and the container's own port: no host port, no
  proxy. The proxy exists only for traffic that arrives at the host.

  Background:
    Given a running engine
    And the image "dockspec/busybox"

  # seen failing: fetched port 81 instead of 80 → wget: can't connect to remote host: Connection refused.
  @req:proxy.bridge-direct
  Scenario: One container reaches another's port over the bridge without a proxy
    Source: "Port publishing and mapping" (https://docs.docker.com/engine/network/port-publishing/):
    containers on a bridge network reach each other's ports without publishing; measured on Docker
    20.10.24 and 26.1.5: no docker-proxy process.
    Given I ran "docker run -d --name <web_svr01> dockspec/busybox httpd -f -p 80 -h /www"
    And I ran "docker run -d --name <client> dockspec/busybox sleep 30"
    And container "<web_svr01>" has a bridge address <web_ip>
    Then container "<client>" fetches http://<web_ip>:80/ and gets "dockspec busybox httpd"
    And the engine has no docker-proxy process
