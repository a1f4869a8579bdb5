//! Ports on the LAN: `expose` puts a workload's ports on a `<workload>-lan`
//! Service of type LoadBalancer or NodePort beside its ClusterIP Service;
//! every misfit setting is an input error in site.toml; `hearth diff` says
//! which ports a change puts on the LAN.

mod common;

use common::{MINIMAL, Scratch, stderr};

/// MINIMAL with a second workload `broker` whose ports are `ports`.
fn site(ports: &str) -> String {
    let base = MINIMAL.replace("public = true\n", "public = true\nworkload = \"web\"\n");
    format!(
        "{base}[services.app.workloads.broker]\nkind = \"deployment\"\nimage = \"eclipse-mosquitto:2.0.18\"\n{ports}\n"
    )
}

const LB: &str = "ports.mqtt = { port = 1883, service = 1883, expose = \"load-balancer\", address = \"192.168.1.240\", expose_reason = \"sensors\" }\nports.ws = { port = 9001, service = 9001 }";

fn rendered(s: &Scratch, rel: &str) -> String {
    std::fs::read_to_string(s.path().join("rendered").join(rel)).unwrap()
}

#[test]
fn a_load_balancer_port_gets_a_lan_service_with_its_address() {
    let s = common::rendered(site(LB));
    let lan = rendered(&s, "apps/app/broker-lan.service.yaml");
    common::contains_all(
        "output",
        &lan,
        [
            "  name: broker-lan\n",
            "    metallb.universe.tf/loadBalancerIPs: \"192.168.1.240\"\n",
            "  type: LoadBalancer\n",
            "  - name: mqtt\n    port: 1883\n    protocol: TCP\n    targetPort: mqtt\n",
        ],
    );
    assert!(
        !lan.contains("name: ws"),
        "only exposed ports go on the LAN:\n{lan}"
    );
    // The ClusterIP Service keeps every port, so in-cluster clients see no change.
    let cluster = rendered(&s, "apps/app/broker.service.yaml");
    assert!(
        cluster.contains("type: ClusterIP")
            && cluster.contains("name: mqtt")
            && cluster.contains("name: ws"),
        "{cluster}"
    );
}

#[test]
fn a_node_port_is_asked_for_on_every_node() {
    let s = common::rendered(site(
        "ports.mqtt = { port = 1883, service = 1883, expose = \"node-port\", node_port = 31883 }",
    ));
    let lan = rendered(&s, "apps/app/broker-lan.service.yaml");
    common::contains_all("lan", &lan, ["  type: NodePort\n", "    nodePort: 31883\n"]);
    assert!(!lan.contains("annotations"), "{lan}");
}

/// `ports` on `broker` is refused with every `expect` at the line holding `at`.
fn refused(ports: &str, at: &str, expect: &[&str]) {
    let text = site(ports);
    let err = common::refused(&text, expect);
    common::located(&err, &text, at);
    assert!(err.contains("help:"), "{err}");
}

#[test]
fn exposure_mistakes_are_input_errors() {
    let p = "ports.mqtt = { port = 1883, expose = \"node-port\" }";
    refused(
        p,
        p,
        &[
            "hearth::expose",
            "port `mqtt` is exposed but has no `service` port",
            "set `service = 1883`",
        ],
    );
    let p =
        "ports.mqtt = { port = 1883, service = 1883, expose = \"node-port\", node_port = 1883 }";
    refused(
        p,
        p,
        &[
            "hearth::expose",
            "node port 1883 of port `mqtt` is outside 30000-32767",
        ],
    );
    let p = "ports.mqtt = { port = 1883, service = 1883, address = \"192.168.1.240\" }";
    refused(
        p,
        p,
        &[
            "hearth::expose",
            "`address` of port `mqtt` applies only with `expose = \"load-balancer\"`",
        ],
    );
    let p = "ports.mqtt = { port = 1883, service = 1883, expose_reason = \"sensors\" }";
    refused(
        p,
        p,
        &["`expose_reason` of port `mqtt` applies only with `expose = \"…\"`"],
    );
    let p = "ports.mqtt = { port = 1883, service = 1883, expose = \"load-balancer\", node_port = 31883 }";
    refused(
        p,
        p,
        &["`node_port` of port `mqtt` applies only with `expose = \"node-port\"`"],
    );
    let p = "ports.mqtt = { port = 1883, service = 1883, expose = \"load-balancer\" }\nports.ws = { port = 9001, service = 9001, expose = \"node-port\" }";
    refused(
        p,
        "ports.ws",
        &[
            "`broker` exposes port `mqtt` as load-balancer and `ws` as node-port",
            "one LAN Service",
        ],
    );
    let p = "ports.mqtt = { port = 1883, service = 1883, expose = \"load-balancer\", address = \"192.168.1.240\" }\nports.ws = { port = 9001, service = 9001, expose = \"load-balancer\", address = \"192.168.1.241\" }";
    refused(
        p,
        "ports.ws",
        &["asks for 192.168.1.240 and `ws` for 192.168.1.241"],
    );
    let p = "ports.mqtt = { port = 1883, service = 1883, expose = \"load-balancer\", address = \"192.168.1.999\" }";
    refused(
        p,
        p,
        &["hearth::parse", "invalid IP address syntax", "IPv4 or IPv6"],
    );
}

#[test]
fn a_node_port_or_address_is_claimed_once_per_site() {
    let twice = format!(
        "{}[services.app.workloads.relay]\nkind = \"deployment\"\nimage = \"eclipse-mosquitto:2.0.18\"\nports.mqtt = {{ port = 1883, service = 1883, expose = \"node-port\", node_port = 31883 }}\n",
        site(
            "ports.mqtt = { port = 1883, service = 1883, expose = \"node-port\", node_port = 31883 }"
        )
    );
    let s = Scratch::with_site(&twice);
    let err = stderr(&s.render());
    assert!(
        err.contains("node port 31883 is already claimed by workload `broker`"),
        "{err}"
    );
    let relay = twice.find("[services.app.workloads.relay]").unwrap();
    let line = twice[..relay].lines().count() + 4;
    assert!(
        err.contains(&format!("site.toml:{line}:")),
        "not at line {line}:\n{err}"
    );
}

#[test]
fn diff_says_which_ports_a_change_puts_on_the_lan() {
    let s = Scratch::new();
    let out = s.diff_between(
        &site("ports.mqtt = { port = 1883, service = 1883 }"),
        &site(LB),
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("port app/broker:mqtt is now reachable on the LAN at 192.168.1.240:1883"),
        "{text}\n{}",
        stderr(&out)
    );
    assert!(!text.contains("broker:ws"), "{text}");
}
