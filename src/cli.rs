//! The command line: `serve`, `migrate`, `backup`, `check`, `purge`,
//! `keys create|list|revoke` and
//! `users create|list|disable|enable|set-role|reset-password`.
//! Each command loads settings, then calls into the library.

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::app::Application;
use crate::config::{LogFormat, Settings};
use crate::domain::Role;
use crate::keys::{hash_key, new_key};
use crate::store::{self, audit, keys, timestamp};

#[derive(Debug, Parser)]
#[command(name = "fairline", version, about = "Call screening for helplines")]
pub struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Args)]
struct Global {
    /// Settings file (TOML).
    #[arg(long, global = true, env = "FAIRLINE_CONFIG")]
    config: Option<PathBuf>,
    /// The SQLite database file (overrides the settings).
    #[arg(long, global = true)]
    database: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the HTTP API until SIGINT or SIGTERM.
    Serve {
        /// Address to listen on, e.g. 127.0.0.1:8080 (port 0 picks one).
        #[arg(long)]
        listen: Option<std::net::SocketAddr>,
    },
    /// Apply pending schema migrations and exit.
    Migrate,
    /// Delete contacts and ended measures past their retention periods
    /// (what the daily purge does); prints the counts.
    Purge {
        /// Count what would be deleted; delete nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Copy the database to FILE while the server runs (SQLite's online
    /// backup: one consistent snapshot).
    Backup {
        file: PathBuf,
        /// Replace FILE if it exists.
        #[arg(long)]
        force: bool,
    },
    /// Check a database file (default: the configured one) with SQLite's
    /// integrity and foreign key checks; exits non-zero on any problem.
    Check { file: Option<PathBuf> },
    /// Manage API keys.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Manage staff accounts (people who sign in to the pages).
    #[command(subcommand)]
    Users(UsersCommand),
    /// Print the built-in written-notice template (html or text), to copy,
    /// edit and name in `notice_template_html` or `notice_template_text`.
    NoticeTemplate {
        #[arg(value_parser = ["html", "text"])]
        format: String,
    },
}

#[derive(Debug, Subcommand)]
enum KeysCommand {
    /// Create a key; it is printed once, as the last line.
    Create {
        #[arg(long)]
        role: Role,
        #[arg(long)]
        name: String,
    },
    /// List keys (names, roles, dates; never the keys).
    List,
    /// Revoke a key by name.
    Revoke { name: String },
}

#[derive(Debug, Subcommand)]
enum UsersCommand {
    /// Create an account. The password is read from standard input when
    /// it is not a terminal (one line); at a terminal it is asked twice.
    Create {
        #[arg(long)]
        name: String,
        #[arg(long)]
        role: Role,
    },
    /// List accounts (names, roles, dates, last sign-in, whether disabled
    /// or locked).
    List,
    /// Disable an account; its sessions end at once. The last enabled
    /// admin cannot be disabled.
    Disable { name: String },
    /// Re-enable a disabled account; failed sign-ins and any lock are
    /// cleared.
    Enable { name: String },
    /// Give an account another role (advisor, supervisor or admin); its
    /// sessions end. The last enabled admin keeps the admin role.
    SetRole { name: String, role: Role },
    /// Set a new password (read as for `create`); lifts a lock and ends
    /// the account's sessions.
    ResetPassword { name: String },
}

impl Cli {
    pub fn run(self) -> anyhow::Result<()> {
        let mut settings = Settings::load(self.global.config.as_deref())?;
        if let Some(database) = self.global.database {
            settings.database = database;
        }
        init_logging(settings.log_format);
        let ignored = Settings::unknown_environment();
        if !ignored.is_empty() {
            tracing::warn!(
                variables = %ignored.join(", "),
                "ignoring environment variables that name no setting"
            );
        }
        match self.command {
            Command::Serve { listen } => {
                if let Some(listen) = listen {
                    settings.listen = listen;
                }
                serve(settings)
            }
            Command::NoticeTemplate { format } => {
                print!(
                    "{}",
                    match format.as_str() {
                        "html" => crate::notice::BUILT_IN_HTML,
                        _ => crate::notice::BUILT_IN_TEXT,
                    }
                );
                Ok(())
            }
            Command::Migrate => {
                let mut conn = store::open_connection(&settings.database)?;
                store::migrate(&mut conn)?;
                println!(
                    "{}: schema version {}",
                    settings.database.display(),
                    store::schema_version(&conn)?
                );
                Ok(())
            }
            Command::Backup { file, force } => {
                let report = store::maintenance::backup(&settings.database, &file, force)?;
                println!(
                    "{}: {} pages at schema version {}",
                    file.display(),
                    report.pages,
                    report.schema_version
                );
                Ok(())
            }
            Command::Check { file } => {
                let file = file.unwrap_or(settings.database);
                let problems = store::maintenance::check(&file)?;
                for problem in &problems {
                    println!("{problem}");
                }
                anyhow::ensure!(
                    problems.is_empty(),
                    "{}: {} problem(s) found",
                    file.display(),
                    problems.len()
                );
                println!("{}: ok", file.display());
                Ok(())
            }
            Command::Purge { dry_run } => {
                println!("{}", crate::retention::purge_from_cli(&settings, dry_run)?);
                Ok(())
            }
            Command::Keys(command) => manage_keys(&settings, command),
            Command::Users(command) => manage_users(&settings, command),
        }
    }
}

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder
            .with_ansi(std::io::stderr().is_terminal())
            .try_init(),
    };
}

fn serve(settings: Settings) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        let app = Application::build(settings).await?;
        tracing::info!(addr = %app.local_addr()?, "listening");
        if let Some(addr) = app.agi_addr() {
            tracing::info!(%addr, "agi listening");
        }
        if let Some(addr) = app.metrics_addr() {
            tracing::info!(%addr, "metrics listening");
        }
        app.run_until(shutdown_signal()).await
    })
}

/// Resolves on SIGINT or SIGTERM.
async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = interrupt => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}

fn manage_keys(settings: &Settings, command: KeysCommand) -> anyhow::Result<()> {
    let mut conn = store::open_connection(&settings.database)?;
    store::migrate(&mut conn)?;
    let now = timestamp(chrono::Utc::now());
    let record = |conn: &rusqlite::Connection, action: &str, name: &str| {
        let after = serde_json::json!({ "name": name });
        audit::record(
            conn,
            audit::Entry {
                actor: "cli",
                action,
                entity: "api_key",
                entity_id: None,
                person_id: None,
                before: None,
                after: Some(after),
            },
            &now,
        )
    };
    match command {
        KeysCommand::Create { role, name } => {
            let name = name.trim();
            anyhow::ensure!(!name.is_empty(), "--name must not be empty");
            let key = new_key();
            let tx = conn.transaction()?;
            keys::insert_key(&tx, name, role, &hash_key(&key), &now)?;
            record(&tx, "key.create", name)?;
            tx.commit()?;
            println!("created {role} key {name:?}; it is shown once, here:");
            println!("{key}");
        }
        KeysCommand::List => {
            for key in keys::list_keys(&conn)? {
                let state = key
                    .revoked_at
                    .map(|at| format!("revoked {at}"))
                    .unwrap_or_else(|| "active".into());
                println!(
                    "{}\t{}\tcreated {}\t{}",
                    key.name, key.role, key.created_at, state
                );
            }
        }
        KeysCommand::Revoke { name } => {
            let tx = conn.transaction()?;
            keys::revoke_key(&tx, &name, &now)?;
            record(&tx, "key.revoke", &name)?;
            tx.commit()?;
            println!("revoked {name:?}");
        }
    }
    Ok(())
}

/// A new password: one line from standard input when it is not a
/// terminal (scripts, `echo … |`), otherwise asked twice without echo.
fn read_new_password() -> anyhow::Result<String> {
    let password = if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password (at least 12 characters): ")?;
        let second = rpassword::prompt_password("The same again: ")?;
        anyhow::ensure!(first == second, "the two passwords differ");
        first
    } else {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line)?;
        line.trim_end_matches(['\n', '\r']).to_owned()
    };
    crate::accounts::check_password(&password).map_err(|e| anyhow::anyhow!("{}", e.message))?;
    Ok(password)
}

fn manage_users(settings: &Settings, command: UsersCommand) -> anyhow::Result<()> {
    use crate::accounts;
    use crate::store::users;
    let mut conn = store::open_connection(&settings.database)?;
    store::migrate(&mut conn)?;
    let now = timestamp(chrono::Utc::now());
    let field = |e: crate::domain::FieldError| anyhow::anyhow!("--{}: {}", e.field, e.message);
    match command {
        UsersCommand::Create { name, role } => {
            let name = accounts::user_name(&name).map_err(field)?;
            let role = accounts::staff_role(role).map_err(field)?;
            let hash = accounts::hash_password(&read_new_password()?);
            let tx = conn.transaction()?;
            accounts::manage::create(&tx, "cli", &name, role, &hash, &now)?;
            tx.commit()?;
            println!("created {role} account {name:?}");
        }
        UsersCommand::List => {
            for user in users::list_users(&conn)? {
                let state = match (&user.disabled_at, &user.locked_until) {
                    (Some(at), _) => format!("disabled {at}"),
                    (None, Some(until)) if *until > now => format!("locked until {until}"),
                    _ => "active".into(),
                };
                println!(
                    "{}\t{}\tcreated {}\tlast sign-in {}\t{}",
                    user.name,
                    user.role,
                    user.created_at,
                    user.last_sign_in_at.as_deref().unwrap_or("never"),
                    state
                );
            }
        }
        UsersCommand::Disable { name } => {
            let tx = conn.transaction()?;
            accounts::manage::disable(&tx, "cli", &name, &now).map_err(refused(&name))?;
            tx.commit()?;
            println!("disabled {name:?}; its sessions have ended");
        }
        UsersCommand::Enable { name } => {
            let tx = conn.transaction()?;
            accounts::manage::enable(&tx, "cli", &name, &now).map_err(refused(&name))?;
            tx.commit()?;
            println!("enabled {name:?}; it may sign in again");
        }
        UsersCommand::SetRole { name, role } => {
            let role = accounts::staff_role(role).map_err(field)?;
            let tx = conn.transaction()?;
            let before = accounts::manage::set_role(&tx, "cli", &name, role, &now)
                .map_err(refused(&name))?;
            tx.commit()?;
            match before {
                Some(before) => {
                    println!("{name:?} is now {role} (was {before}); its sessions have ended")
                }
                None => println!("{name:?} is already {role}; nothing changed"),
            }
        }
        UsersCommand::ResetPassword { name } => {
            let hash = accounts::hash_password(&read_new_password()?);
            let tx = conn.transaction()?;
            accounts::manage::reset_password(&tx, "cli", &name, &hash, &now)
                .map_err(refused(&name))?;
            tx.commit()?;
            println!("set a new password for {name:?}; its sessions have ended");
        }
    }
    Ok(())
}

/// A refused change to account `name` as a sentence for the terminal.
fn refused(name: &str) -> impl Fn(store::StoreError) -> anyhow::Error + '_ {
    move |error| match error {
        store::StoreError::NotFound("user") => {
            anyhow::anyhow!("no staff account is named {name:?} (see `fairline users list`)")
        }
        store::StoreError::NotFound("disabled user") => {
            anyhow::anyhow!("{name:?} is not disabled")
        }
        store::StoreError::NotFound("active user") => {
            anyhow::anyhow!("{name:?} is already disabled")
        }
        store::StoreError::Invalid(e) => anyhow::anyhow!("{name:?}: {}", e.message),
        other => other.into(),
    }
}
