//! `aidsearch user` and `aidsearch key`: the access file's accounts and
//! keys, and the scope `aidsearch search --user/--key` searches with.

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};

use aidsearch::access::{self, Action};
use aidsearch::search::Scope;

use super::cli::{KeyAction, UserAction};

/// The scope of a CLI search: everything (whoever runs the CLI holds the
/// index), or what the named user or key may read.
pub fn scope_of(file: &Path, user: Option<String>, key: Option<String>) -> Result<Scope> {
    if user.is_none() && key.is_none() {
        return Ok(Scope::Everything);
    }
    let config = access::read(file)?;
    if let Some(name) = user {
        let user = config
            .users
            .iter()
            .find(|u| u.name == name)
            .with_context(|| format!("no user named {name} in {}", file.display()))?;
        return Ok(Scope::groups(user.groups.iter().cloned()));
    }
    let key = key.unwrap_or_default();
    match config.key_principal(&key) {
        Ok(principal) if principal.may(Action::Search) => Ok(principal.scope()),
        Ok(_) => bail!("this API key may not search"),
        Err(refusal) => bail!("the API key is refused ({refusal:?})"),
    }
}

/// The password of a new user: from standard input's first line, or asked
/// twice at the terminal without echo.
fn read_password(from_stdin: bool) -> Result<String> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        return Ok(line.trim_end_matches(['\n', '\r']).to_string());
    }
    if !std::io::stdin().is_terminal() {
        bail!(
            "standard input is not a terminal: pass --password-stdin to read the password from it"
        );
    }
    let first = prompt_hidden("密码 (password): ")?;
    let second = prompt_hidden("再次输入 (again): ")?;
    if first != second {
        bail!("the two passwords differ");
    }
    Ok(first)
}

/// Ask at the terminal with echo turned off (and back on after).
fn prompt_hidden(prompt: &str) -> Result<String> {
    eprint!("{prompt}");
    std::io::stderr().flush()?;
    let fd = libc::STDIN_FILENO;
    // SAFETY: termios is plain data; tcgetattr fills it or fails.
    let mut saved: libc::termios = unsafe { std::mem::zeroed() };
    let has_terminal = unsafe { libc::tcgetattr(fd, &mut saved) } == 0;
    if has_terminal {
        let mut quiet = saved;
        quiet.c_lflag &= !libc::ECHO;
        // SAFETY: a valid termios for the same descriptor.
        unsafe { libc::tcsetattr(fd, libc::TCSANOW, &quiet) };
    }
    let mut line = String::new();
    let read = std::io::stdin().lock().read_line(&mut line);
    if has_terminal {
        // SAFETY: restores the settings read above.
        unsafe { libc::tcsetattr(fd, libc::TCSANOW, &saved) };
    }
    eprintln!();
    read?;
    Ok(line.trim_end_matches(['\n', '\r']).to_string())
}

fn groups_text(groups: &[String]) -> String {
    if groups.is_empty() {
        "-".to_string()
    } else {
        groups.join(",")
    }
}

/// `aidsearch user …`.
pub fn user(action: UserAction) -> Result<ExitCode> {
    match action {
        UserAction::Add {
            name,
            groups,
            password_stdin,
            index,
            auth,
        } => {
            let file = auth.file(&index.index);
            let mut config = access::read_or_new(&file)?;
            let password = read_password(password_stdin)?;
            config.add_user(&name, &password, &groups)?;
            access::write(&file, &config)?;
            println!(
                "user {name} added (groups: {}) to {}",
                groups_text(&groups),
                file.display()
            );
        }
        UserAction::List { index, auth } => {
            let file = auth.file(&index.index);
            let config = access::read(&file)?;
            for user in &config.users {
                println!("{:<24} {}", user.name, groups_text(&user.groups));
            }
        }
        UserAction::Revoke { name, index, auth } => {
            let file = auth.file(&index.index);
            let mut config = access::read(&file)?;
            config.revoke_user(&name)?;
            access::write(&file, &config)?;
            println!("user {name} removed; their sessions end now");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `aidsearch key …`.
pub fn key(action: KeyAction) -> Result<ExitCode> {
    match action {
        KeyAction::Create {
            name,
            groups,
            expires,
            actions,
            index,
            auth,
        } => {
            let valid = access::parse_duration(&expires).with_context(|| {
                format!("--expires {expires:?}: give a number and m, h, d or y, such as 90d")
            })?;
            let actions = actions
                .iter()
                .map(|a| {
                    Action::parse(a.trim()).with_context(|| {
                        format!("--action {a:?}: one of search, report, export, facets")
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            let file = auth.file(&index.index);
            let mut config = access::read_or_new(&file)?;
            let key = config.create_key(&name, &groups, &actions, valid)?;
            access::write(&file, &config)?;
            eprintln!(
                "key {name} created (groups: {}; actions: {}; expires in {expires}); \
                 it is shown once, here, and kept nowhere:",
                groups_text(&groups),
                actions
                    .iter()
                    .map(|a| a.name())
                    .collect::<Vec<_>>()
                    .join(",")
            );
            println!("{key}");
        }
        KeyAction::List { index, auth } => {
            let file = auth.file(&index.index);
            let config = access::read(&file)?;
            let now = access::now();
            for key in &config.keys {
                let state = if key.revoked {
                    "revoked".to_string()
                } else if key.expires <= now {
                    "expired".to_string()
                } else {
                    format!("{} days left", (key.expires - now) / 86_400)
                };
                println!(
                    "{:<20} {}  groups {}  actions {}  {state}",
                    key.name,
                    key.id,
                    groups_text(&key.groups),
                    key.actions
                        .iter()
                        .map(|a| a.name())
                        .collect::<Vec<_>>()
                        .join(",")
                );
            }
        }
        KeyAction::Revoke { name, index, auth } => {
            let file = auth.file(&index.index);
            let mut config = access::read(&file)?;
            config.revoke_key(&name)?;
            access::write(&file, &config)?;
            println!("key {name} revoked");
        }
    }
    Ok(ExitCode::SUCCESS)
}
