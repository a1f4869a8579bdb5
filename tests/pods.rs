//! What the kubelet and the workload controllers do with the pods hearth
//! renders: pods roll when (and only when) the data they read changes, and a
//! host path says what must be there and pins its pods to its node.

mod common;

use common::{MINIMAL, Scratch, stderr};

/// MINIMAL plus a second workload and a config map read by `web` only.
fn site(config_value: &str, worker_replicas: u32) -> String {
    let base = MINIMAL
        .replace(
            "mounts = [{ path = \"/data\", volume = \"data\" }]",
            "mounts = [{ path = \"/data\", volume = \"data\" }, { path = \"/etc/app/app.conf\", config_map = \"app-config\", key = \"app.conf\" }]",
        )
        .replace("public = true", "public = true\nworkload = \"web\"");
    format!(
        r#"{base}[services.app.config_maps.app-config]
data = {{ "app.conf" = "{config_value}" }}
[services.app.workloads.worker]
kind = "deployment"
image = "busybox:1.36.1"
replicas = {worker_replicas}
env.MODE = "batch"
"#
    )
}

fn render(text: &str) -> Scratch {
    let s = Scratch::new();
    s.write("site.toml", text);
    let out = s.render();
    assert!(out.status.success(), "{}", stderr(&out));
    s
}

/// The `checksum/config` annotation of a rendered Deployment's pods.
fn checksum(s: &Scratch, workload: &str) -> Option<String> {
    let text = std::fs::read_to_string(
        s.path()
            .join(format!("rendered/apps/app/{workload}.deployment.yaml")),
    )
    .unwrap();
    text.lines()
        .find_map(|l| l.trim().strip_prefix("checksum/config: "))
        .map(str::to_string)
}

#[test]
fn pods_roll_when_and_only_when_the_data_they_read_changes() {
    let base = render(&site("level = info", 1));
    let web = checksum(&base, "web").expect("web reads a config map and a secret");
    assert_eq!(web.len(), 64, "a sha256 in hex: {web}");
    assert_eq!(checksum(&base, "worker"), None, "worker reads no config");

    // The config map's data changes: web's pods roll.
    let changed = render(&site("level = debug", 1));
    assert_ne!(checksum(&changed, "web").unwrap(), web);

    // Anything else changes: web's pod template stays as it was.
    let other = render(&site("level = info", 3));
    assert_eq!(checksum(&other, "web").unwrap(), web);

    // The secret (its sealed value) changes: web's pods roll too.
    let sealed = format!("Ag{}", "B".repeat(400));
    let resealed = render(&site("level = info", 1).replace(
        "keys = { PASSWORD = \"placeholder\" }",
        &format!("keys = {{ PASSWORD = \"{sealed}\" }}"),
    ));
    assert_ne!(checksum(&resealed, "web").unwrap(), web);
}

/// MINIMAL plus a host-path volume on node `pi1` mounted by an unpinned workload.
fn host_path_site(volume: &str, mount: &str) -> String {
    format!(
        r#"{MINIMAL}[nodes.pi2]
arch = "arm64"
roles = ["agent"]
[services.media]
[services.media.workloads.player]
kind = "deployment"
image = "jellyfin/jellyfin:10.9.7"
mounts = [{mount}]
[services.media.volumes.library]
kind = "host-path"
node = "pi1"
path = "/mnt/media"
{volume}
"#
    )
}

fn player(s: &Scratch) -> String {
    std::fs::read_to_string(s.path().join("rendered/apps/media/player.deployment.yaml")).unwrap()
}

#[test]
fn host_paths_say_what_must_be_there_and_pin_their_pods() {
    // Read-only: the folder must exist; the pod follows the volume's node.
    let ro = render(&host_path_site(
        "",
        r#"{ path = "/media", volume = "library", read_only = true }"#,
    ));
    let text = player(&ro);
    assert!(text.contains("type: Directory\n"), "{text}");
    assert!(text.contains("kubernetes.io/hostname: pi1"), "{text}");

    // Written to, holding nothing that must survive: created when missing.
    let rw = render(&host_path_site(
        "",
        r#"{ path = "/media", volume = "library" }"#,
    ));
    assert!(player(&rw).contains("type: DirectoryOrCreate\n"));

    // Holding data: must exist even when written to.
    let data = render(&host_path_site(
        "holds_data = true\nno_backup = \"a test\"",
        r#"{ path = "/media", volume = "library" }"#,
    ));
    assert!(player(&data).contains("type: Directory\n"));

    // A device, said outright.
    let dev = render(&host_path_site(
        "type = \"char-device\"",
        r#"{ path = "/dev/ttyUSB0", volume = "library" }"#,
    ));
    assert!(player(&dev).contains("type: CharDevice\n"));
}

#[test]
fn host_path_mistakes_are_input_errors() {
    let s = Scratch::new();
    // `type` on a volume that is not a host path.
    s.write(
        "site.toml",
        MINIMAL.replace("size = \"1Gi\"", "size = \"1Gi\"\ntype = \"directory\""),
    );
    let out = s.render();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("`type` applies to host-path volumes"),
        "{}",
        stderr(&out)
    );

    // Pinned to one node, mounting a host path of another.
    s.write(
        "site.toml",
        host_path_site("", r#"{ path = "/media", volume = "library" }"#).replace(
            "image = \"jellyfin/jellyfin:10.9.7\"",
            "image = \"jellyfin/jellyfin:10.9.7\"\nnode = \"pi2\"",
        ),
    );
    let out = s.render();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("is pinned to `pi2` but volume `library` lives on `pi1`"),
        "{}",
        stderr(&out)
    );
}
