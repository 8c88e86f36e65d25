@isolation
Feature: A container has a network stack of its own
  The container's net namespace starts with nothing but a loopback interface. On the default
  bridge network the engine adds a veth pair: one end moves into the container and is renamed
  eth0, with the container's address; the other end stays on the host, attached to the engine's
  bridge. The container sees neither the bridge nor any other interface of the host.

  Background:
    Given a running engine
    And the image "dockspec/busybox"

  # seen failing: expected the interfaces "lo, eth0, eth1" → "expected [ 'eth0', 'lo' ] to deeply
  # equal [ 'eth0', 'eth1', 'lo' ]".
  @req:isolation.network-own-interfaces
  Scenario: Inside, the container has lo and eth0 with its own address, and not the host's bridge
    Source: "Bridge network driver" (https://docs.docker.com/engine/network/drivers/bridge/);
    measured on Docker 20.10.24 and 26.1.5: lo and eth0, a veth whose host end is on the bridge.
    When I ran "docker run -d --name <app> dockspec/busybox sleep 1000"
    And container "<app>" has a bridge address <app_ip>
    Then the network interfaces inside container "<app>" are "lo, eth0"
    When I run "docker exec <app> ip -o addr"
    Then its output contains "lo    inet 127.0.0.1/8"
    And its output contains "eth0    inet <app_ip>/"
    And eth0 inside container "<app>" is one end of a veth pair whose host end is attached to the engine's bridge
    And the engine's bridge exists on the host but not inside container "<app>"

  # seen failing: dropped --network none → "interfaces inside app: expected [ 'eth0', 'lo' ] to
  # deeply equal [ 'lo' ]".
  @req:isolation.network-none
  Scenario: --network none leaves only the loopback interface
    The net namespace is still new (it is not the host's), but the engine puts no veth into it.
    Source: "None network driver" (https://docs.docker.com/engine/network/drivers/none/): only the
    loopback device; measured on Docker 20.10.24 and 26.1.5.
    When I ran "docker run -d --network none --name <app> dockspec/busybox sleep 1000"
    Then the network interfaces inside container "<app>" are "lo"
    And container "<app>" has namespaces of its own, unlike the host:
      | net |
    When I run "docker exec <app> ip -o addr"
    Then its output contains "inet 127.0.0.1/8"
    And its output does not contain "eth0"
