//! `dicoso admin …`: the admin API's operations on the server's data directory, for the
//! person who runs the server (every province). Safe while the server runs: it follows
//! the changes within a second (`DirectoryService::spawn_follower`).

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use server::directory::demo::DemoOutcome;
use server::directory::{
    DeviceEntry, DirectoryConfig, DirectoryError, DirectoryService, EnrolmentCode, ImportFiles,
    ImportReport, PersonEntry, Scope, fmt_ms_day,
};
use server::store::Store;
use shared::policy::{PRESET_IDS, Policy};
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Args)]
pub struct AdminArgs {
    /// Directory of the SQLite database (the server's `--data-dir`).
    #[arg(long, default_value = "data", global = true)]
    data_dir: PathBuf,
    #[command(subcommand)]
    command: AdminCommand,
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create a province, or set its policy for a range of years.
    #[command(subcommand)]
    Province(ProvinceCommand),
    /// Import units, departments and people from CSV (UTF-8, header row); all or nothing.
    Import {
        /// The province's code, e.g. KG.
        province: String,
        #[arg(long)]
        units: Option<PathBuf>,
        #[arg(long)]
        departments: Option<PathBuf>,
        #[arg(long)]
        people: Option<PathBuf>,
    },
    /// List a province's people, accounts and devices.
    People { province: String },
    /// Create, disable, enable an account or reset its password.
    #[command(subcommand)]
    Account(AccountCommand),
    /// A one-time enrolment code (valid 7 days) and its URL and QR code.
    EnrolCode {
        /// The person's code, e.g. KG-0123.
        person: String,
        /// Where people open the app, for the URL and QR code.
        #[arg(long, default_value = "http://127.0.0.1:3000")]
        base_url: String,
    },
    /// List a person's devices.
    Devices { person: String },
    /// Revoke a device: its token stops working and its connections close.
    Revoke { device: String },
    /// Load the example province KG (first run only) and print demo logins.
    Demo,
}

#[derive(Subcommand)]
enum ProvinceCommand {
    /// Create a province with its first policy.
    Create {
        /// Short upper-case code, also the prefix of its people's codes: KG.
        code: String,
        #[arg(long)]
        name: String,
        #[command(flatten)]
        policy: PolicyArgs,
    },
    /// Set the policy in force from a year (replaces one starting that year).
    Policy {
        code: String,
        #[command(flatten)]
        policy: PolicyArgs,
    },
}

#[derive(Args)]
struct PolicyArgs {
    /// A preset policy id (kien-giang-2023, tay-ninh-2018).
    #[arg(
        long,
        conflicts_with = "policy_file",
        required_unless_present = "policy_file"
    )]
    policy: Option<String>,
    /// A policy file (JSON, docs/policies.md).
    #[arg(long)]
    policy_file: Option<PathBuf>,
    /// First year (default: the policy's own).
    #[arg(long)]
    from: Option<i32>,
    /// Last year (default: the policy's own, if any).
    #[arg(long)]
    to: Option<i32>,
}

impl PolicyArgs {
    fn load(&self) -> anyhow::Result<(Policy, (i32, Option<i32>))> {
        let policy = match (&self.policy, &self.policy_file) {
            (Some(id), _) => Policy::preset(id).with_context(|| {
                format!(
                    "không có chính sách mẫu “{id}” (có: {})",
                    PRESET_IDS.join(", ")
                )
            })?,
            (None, Some(path)) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("không đọc được {}", path.display()))?;
                Policy::from_json_str(&text)
                    .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?
            }
            (None, None) => bail!("cần --policy hoặc --policy-file"),
        };
        let from = self.from.unwrap_or(policy.year_from);
        let to = self.to.or(policy.year_to);
        Ok((policy, (from, to)))
    }
}

#[derive(Subcommand)]
enum AccountCommand {
    /// Create an account; prints a generated password unless --password-stdin.
    Create {
        person: String,
        #[arg(long)]
        username: String,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Refuse the account's logins and every device of the person.
    Disable {
        person: String,
    },
    Enable {
        person: String,
    },
    /// Set a new password (generated unless --password-stdin); devices keep working.
    Reset {
        person: String,
        #[arg(long)]
        password_stdin: bool,
    },
}

fn password_from_stdin(wanted: bool) -> anyhow::Result<Option<String>> {
    if !wanted {
        return Ok(None);
    }
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(Some(line.trim_end_matches(['\r', '\n']).to_owned()))
}

/// A CSV file's text; a file that is not UTF-8 is named with the line where it stops
/// being so (spreadsheets often save in a legacy code page).
fn read_csv(path: &Path) -> anyhow::Result<String> {
    let bytes =
        std::fs::read(path).with_context(|| format!("không đọc được {}", path.display()))?;
    String::from_utf8(bytes).map_err(|e| {
        let good = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = good.iter().filter(|b| **b == b'\n').count() + 1;
        anyhow::anyhow!(
            "{}, dòng {line}: tệp không phải UTF-8; hãy lưu lại ở dạng “CSV UTF-8”",
            path.display()
        )
    })
}

pub fn run(args: AdminArgs) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let store = Store::open_in(&args.data_dir)?;
        let service = DirectoryService::open(store, DirectoryConfig::default())?;
        match execute(&service, args.command).await {
            Ok(()) => Ok(ExitCode::SUCCESS),
            Err(e) => match e.downcast::<DirectoryError>() {
                Ok(DirectoryError::Import(problems)) => {
                    eprintln!("Chưa nhập gì: {} lỗi (nothing imported):", problems.len());
                    for p in problems {
                        eprintln!("  {p}");
                    }
                    Ok(ExitCode::FAILURE)
                }
                Ok(other) => Err(other.into()),
                Err(e) => Err(e),
            },
        }
    })
}

async fn execute(service: &DirectoryService, command: AdminCommand) -> anyhow::Result<()> {
    let cli = Scope::Cli;
    match command {
        AdminCommand::Province(ProvinceCommand::Create { code, name, policy }) => {
            let (policy, years) = policy.load()?;
            let id = policy.id.clone();
            service.create_province(&code, &name, policy, years).await?;
            println!(
                "Đã tạo tỉnh {code} ({name}), chính sách {id} từ {} (province created).",
                years.0
            );
        }
        AdminCommand::Province(ProvinceCommand::Policy { code, policy }) => {
            let (policy, years) = policy.load()?;
            let id = policy.id.clone();
            service.set_policy(&code, policy, years).await?;
            println!("Tỉnh {code}: chính sách {id} từ {} (policy set).", years.0);
        }
        AdminCommand::Import {
            province,
            units,
            departments,
            people,
        } => {
            let read = |p: Option<PathBuf>| p.as_deref().map(read_csv).transpose();
            let files = ImportFiles {
                units: read(units)?,
                departments: read(departments)?,
                people: read(people)?,
            };
            print_import(&service.import(&cli, &province, files).await?);
        }
        AdminCommand::People { province } => print_people(&service.people(&cli, &province).await?),
        AdminCommand::Account(AccountCommand::Create {
            person,
            username,
            password_stdin,
        }) => {
            let password = password_from_stdin(password_stdin)?;
            let a = service
                .create_account(&cli, &person, &username, password)
                .await?;
            println!(
                "Đã tạo tài khoản “{}” cho {} (account created).",
                a.username, a.person
            );
            if let Some(p) = a.password {
                println!("Mật khẩu (password, shown once): {p}");
            }
        }
        AdminCommand::Account(AccountCommand::Disable { person }) => {
            let a = service.set_account_disabled(&cli, &person, true).await?;
            println!(
                "Đã khóa tài khoản của {} (account disabled): mọi thiết bị bị từ chối.",
                a.person
            );
        }
        AdminCommand::Account(AccountCommand::Enable { person }) => {
            let a = service.set_account_disabled(&cli, &person, false).await?;
            println!("Đã mở khóa tài khoản của {} (account enabled).", a.person);
        }
        AdminCommand::Account(AccountCommand::Reset {
            person,
            password_stdin,
        }) => {
            let password = password_from_stdin(password_stdin)?;
            let r = service.reset_password(&cli, &person, password).await?;
            println!(
                "Đã đặt mật khẩu mới cho “{}” ({}) (password reset).",
                r.username, r.person
            );
            if let Some(p) = r.password {
                println!("Mật khẩu (password, shown once): {p}");
            }
        }
        AdminCommand::EnrolCode { person, base_url } => {
            let code = service.create_enrolment_code(&cli, &person).await?;
            print_code(&code, &base_url);
        }
        AdminCommand::Devices { person } => {
            let devices = service.devices(&cli, &person).await?;
            if devices.is_empty() {
                println!("{person}: chưa có thiết bị nào (no devices).");
            }
            print_devices(&devices);
        }
        AdminCommand::Revoke { device } => {
            let d = service.revoke(&cli, &device).await?;
            println!(
                "Đã thu hồi thiết bị {} của {} (device revoked).",
                d.id, d.person
            );
        }
        AdminCommand::Demo => demo(service).await?,
    }
    Ok(())
}

fn print_import(r: &ImportReport) {
    println!(
        "Đã nhập (imported): {} đơn vị, {} phòng ban, {} cán bộ; danh bạ phiên bản {}.",
        r.units, r.departments, r.people, r.version
    );
    for (label, list) in [
        ("Mới (new)", &r.added),
        ("Trở lại (listed again)", &r.reactivated),
        (
            "Không còn trong tệp, ngừng hoạt động (inactive)",
            &r.deactivated,
        ),
        ("Tên đăng nhập (usernames)", &r.usernames),
    ] {
        if !list.is_empty() {
            println!("{label}: {}", list.join(", "));
        }
    }
}

fn print_people(people: &[PersonEntry]) {
    for p in people {
        let account = match &p.account {
            None => "chưa có tài khoản".to_owned(),
            Some(a) => format!(
                "tài khoản {}{}{}",
                a.username.as_deref().unwrap_or("(chỉ mã đăng ký)"),
                if a.has_password {
                    ""
                } else {
                    ", chưa có mật khẩu"
                },
                if a.disabled { ", ĐÃ KHÓA" } else { "" }
            ),
        };
        let roles: Vec<String> = p.person.roles.iter().map(|r| r.to_code_string()).collect();
        println!(
            "{}\t{}\t{}\t{}\t{} thiết bị{}",
            p.person.code,
            p.person.name,
            roles.join(";"),
            account,
            p.devices.len(),
            if p.active {
                ""
            } else {
                "\t(ngừng hoạt động)"
            }
        );
    }
}

fn print_code(code: &EnrolmentCode, base_url: &str) {
    let url = format!("{}{}", base_url.trim_end_matches('/'), code.url);
    println!(
        "Mã đăng ký cho {} (enrolment code): {}",
        code.person, code.code
    );
    println!("Địa chỉ (URL): {url}");
    println!("Hết hạn (expires): {}", fmt_ms_day(code.expires_at));
    if let Ok(qr) = qrcode::QrCode::new(url.as_bytes()) {
        println!(
            "{}",
            qr.render::<qrcode::render::unicode::Dense1x2>()
                .quiet_zone(true)
                .build()
        );
    }
}

fn print_devices(devices: &[DeviceEntry]) {
    for d in devices {
        println!(
            "{}\t{:?}\t{}\tđăng ký {}\thết hạn {}\t{}",
            d.id,
            d.status,
            d.label,
            fmt_ms_day(d.enrolled_at),
            fmt_ms_day(d.expires_at),
            d.last_seen
                .map(|t| format!("lần cuối {}", fmt_ms_day(t)))
                .unwrap_or_default()
        );
    }
}

async fn demo(service: &DirectoryService) -> anyhow::Result<()> {
    let logins = match service.demo().await? {
        DemoOutcome::Skipped { provinces } => {
            println!(
                "Cơ sở dữ liệu đã có tỉnh {} (không phải dữ liệu mẫu): bỏ qua demo.",
                provinces.join(", ")
            );
            return Ok(());
        }
        DemoOutcome::Created(logins) => {
            println!(
                "Đã tạo tỉnh mẫu KG từ docs/examples/directory-kg.json (demo province created)."
            );
            logins
        }
        DemoOutcome::Refreshed(logins) => logins,
    };
    println!("Tài khoản mẫu, mật khẩu mới (demo logins, fresh passwords):");
    println!(
        "  {:<9} {:<15} {:<8} {:<16} vai trò (roles)",
        "tên", "mật khẩu", "mã", "họ tên"
    );
    for l in logins {
        println!(
            "  {:<9} {:<15} {:<8} {:<16} {}",
            l.username,
            l.password,
            l.person,
            l.name,
            l.roles.join(";")
        );
    }
    Ok(())
}
