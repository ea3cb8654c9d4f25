//! The deployment files name only what the binary reads: a variable in
//! `.env.example` or in the Ancre services of `docker-compose.yml` that the
//! configuration never reads would be silently ignored in production (there
//! is no Docker engine on these machines: the files themselves are checked).

use std::collections::BTreeSet;

fn root_file(name: &str) -> String {
    let path = ancre_testkit::manifest_dir().join("..").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Read outside `config.rs`: by tracing's filter, and by the web UI's build.
const READ_ELSEWHERE: [&str; 2] = ["RUST_LOG", "VITE_CLERK_PUBLISHABLE_KEY"];

/// The names `config.rs` reads: the first argument of its readers.
fn read_by_config() -> BTreeSet<String> {
    let source = root_file("api/src/config.rs");
    let source = source.split("#[cfg(test)]").next().unwrap();
    let readers = [
        "var(",
        "parse(",
        "optional(",
        "positive(",
        "positive_secs(",
        "list(",
        "needed(",
    ];
    let mut names = BTreeSet::new();
    for reader in readers {
        for (at, _) in source.match_indices(reader) {
            let before = source[..at].chars().next_back();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue; // another function ending like a reader
            }
            let rest = source[at + reader.len()..].trim_start();
            let Some(quoted) = rest.strip_prefix('"') else {
                continue;
            };
            let name: String = quoted
                .chars()
                .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '_')
                .collect();
            if !name.is_empty() {
                names.insert(name);
            }
        }
    }
    names.extend(READ_ELSEWHERE.map(String::from));
    names
}

fn env_example() -> BTreeSet<String> {
    root_file(".env.example")
        .lines()
        .filter_map(|line| {
            let line = line.trim_start_matches(['#', ' ']);
            let (name, _) = line.split_once('=')?;
            (!name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'))
            .then(|| name.to_owned())
        })
        .collect()
}

/// The keys of the compose file's Ancre environment and of the `environment`
/// maps of the services built from this repository.
fn compose_ancre_variables() -> BTreeSet<String> {
    let compose = root_file("docker-compose.yml");
    let mut names = BTreeSet::new();
    let mut in_ancre_service = false;
    let mut in_environment = false;
    let mut environment_indent = 0;
    for line in compose.lines() {
        let indent = line.len() - line.trim_start().len();
        let text = line.trim();
        if text.is_empty() || text.starts_with('#') {
            continue;
        }
        if indent == 0 {
            in_environment = text.starts_with("x-ancre-environment:");
            environment_indent = 0;
            in_ancre_service = false;
            continue;
        }
        if indent == 2 && line.trim_end().ends_with(':') {
            in_ancre_service = false; // a new service: known by its `build`
            in_environment = false;
            continue;
        }
        if text == "build: ." {
            in_ancre_service = true;
        }
        if text == "environment:" {
            in_environment = in_ancre_service;
            environment_indent = indent;
            continue;
        }
        if in_environment && indent > environment_indent {
            if let Some((key, _)) = text.split_once(':') {
                if key != "<<" {
                    names.insert(key.to_owned());
                }
            }
        } else if in_environment && environment_indent > 0 {
            in_environment = false;
        }
    }
    names
}

#[test]
fn env_example_names_only_variables_the_binary_reads() {
    let read = read_by_config();
    assert!(read.contains("ANCRE_KAFKA_BROKERS") && read.contains("DATABASE_URL"));
    let unknown: Vec<String> = env_example().difference(&read).cloned().collect();
    assert!(
        unknown.is_empty(),
        ".env.example names {unknown:?}, which nothing reads"
    );
}

#[test]
fn every_variable_the_binary_reads_is_documented_in_env_example() {
    let mut documented = env_example();
    documented.insert("HOME".into()); // the system's, for the default assets folder
    let missing: Vec<String> = read_by_config().difference(&documented).cloned().collect();
    assert!(
        missing.is_empty(),
        "{missing:?} are read but not in .env.example"
    );
}

#[test]
fn docker_compose_gives_ancre_only_variables_the_binary_reads() {
    let given = compose_ancre_variables();
    for expected in [
        "DATABASE_URL",
        "ANCRE_QDRANT_URL",
        "ANCRE_KAFKA_BROKERS",
        "ANCRE_LISTEN",
    ] {
        assert!(given.contains(expected), "{expected} in {given:?}");
    }
    let unknown: Vec<String> = given.difference(&read_by_config()).cloned().collect();
    assert!(
        unknown.is_empty(),
        "docker-compose.yml gives Ancre {unknown:?}, which nothing reads"
    );
}
