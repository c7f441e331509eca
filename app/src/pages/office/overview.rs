//! "Tổng hợp" on the office page (seed 002 §3): eligible cadres after exemptions, how
//! many met the requirement, total and average days, the share at or above the minimum,
//! ratings, thematic trips per quarter, each department, the units where chi đoàn
//! meetings were attended. The figures are `shared::summary`'s, the same as the .xlsx
//! "Tổng hợp" sheet; the charts are plain inline SVG drawn here (no chart library).

use leptos::prelude::*;
use shared::summary::Summary;

/// `x` with two decimals at most and a decimal comma, as Vietnamese documents write it.
fn decimal(x: f64) -> String {
    let text = format!("{x:.2}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    text.replace('.', ",")
}

/// One horizontal bar per (label, value), scaled to the largest; `id` names the chart
/// for its caption.
fn bar_chart(id: &'static str, caption: &'static str, bars: Vec<(String, u32)>) -> impl IntoView {
    const ROW: u32 = 28;
    const LABEL: u32 = 110;
    const WIDTH: u32 = 320;
    let most = bars.iter().map(|(_, v)| *v).max().unwrap_or(0).max(1);
    let height = ROW * u32::try_from(bars.len()).unwrap_or(0) + 4;
    let rows = bars
        .into_iter()
        .enumerate()
        .map(|(i, (label, value))| {
            let y = ROW * u32::try_from(i).unwrap_or(0);
            let span = (WIDTH - LABEL - 40) * value / most;
            view! {
                <g>
                    <text x="0" y=y + 18 class="bar-label">{label}</text>
                    <rect x=LABEL y=y + 4 width=span.max(1) height=ROW - 10 class="bar" />
                    <text x=LABEL + span + 6 y=y + 18 class="bar-value">{value.to_string()}</text>
                </g>
            }
        })
        .collect_view();
    view! {
        <figure class="chart">
            <figcaption id=id>{caption}</figcaption>
            <svg
                viewBox=format!("0 0 {WIDTH} {height}")
                role="img"
                aria-labelledby=id
                preserveAspectRatio="xMinYMin meet"
            >
                {rows}
            </svg>
        </figure>
    }
}

pub fn overview_view(s: &Summary) -> impl IntoView + use<> {
    let met_share = if s.eligible == 0 {
        0.0
    } else {
        f64::from(s.met) * 100.0 / f64::from(s.eligible)
    };
    let figures = [
        (
            "Cán bộ thuộc diện (sau khi trừ miễn)",
            s.eligible.to_string(),
        ),
        ("Được miễn", s.exempt.to_string()),
        (
            "Đạt yêu cầu (Đạt, Xuất sắc)",
            format!("{} ({}%)", s.met, decimal(met_share)),
        ),
        ("Tổng số ngày đi cơ sở", s.total_days.to_string()),
        ("Bình quân ngày mỗi cán bộ", decimal(s.average_days)),
        (
            "Đủ số ngày tối thiểu",
            format!(
                "{} ({}%)",
                s.at_or_above_minimum,
                decimal(s.at_or_above_minimum_percent)
            ),
        ),
    ]
    .into_iter()
    .map(|(label, value)| view! { <dt>{label}</dt><dd>{value}</dd> })
    .collect_view();
    let ratings = vec![
        ("Không đạt".to_owned(), s.by_rating.khong_dat),
        ("Đạt".to_owned(), s.by_rating.dat),
        ("Xuất sắc".to_owned(), s.by_rating.xuat_sac),
        ("Miễn".to_owned(), s.by_rating.mien),
    ];
    let quarters = s
        .thematic_trips_by_quarter
        .iter()
        .enumerate()
        .map(|(i, n)| (format!("Quý {}", i + 1), *n))
        .collect();
    let departments = s
        .by_department
        .iter()
        .map(|d| {
            view! {
                <tr>
                    <th scope="row">{d.department.clone()}</th>
                    <td class="number">{d.eligible}</td>
                    <td class="number">{d.met}</td>
                    <td class="number">{d.total_days}</td>
                </tr>
            }
        })
        .collect_view();
    let units = s
        .chi_doan_meetings_by_unit
        .iter()
        .map(|u| {
            view! {
                <tr>
                    <th scope="row">{u.unit.clone()}</th>
                    <td class="number">{u.meetings}</td>
                    <td class="number">{u.cadres}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="card overview" aria-labelledby="h-overview" data-test="overview">
            <h2 id="h-overview">"Tổng hợp"</h2>
            <dl class="figures">{figures}</dl>
            <div class="charts">
                {bar_chart("chart-ratings", "Xếp loại", ratings)}
                {bar_chart("chart-quarters", "Chuyến đi chuyên đề theo quý", quarters)}
            </div>
            <h3 id="h-by-department">"Theo phòng, ban"</h3>
            <div class="table-scroll">
                <table class="ratings" aria-labelledby="h-by-department">
                    <thead>
                        <tr>
                            <th scope="col">"Phòng, ban"</th>
                            <th scope="col">"Thuộc diện"</th>
                            <th scope="col">"Đạt yêu cầu"</th>
                            <th scope="col">"Tổng số ngày"</th>
                        </tr>
                    </thead>
                    <tbody>{departments}</tbody>
                </table>
            </div>
            <h3 id="h-by-unit">"Sinh hoạt chi đoàn theo đơn vị"</h3>
            <div class="table-scroll">
                <table class="ratings" aria-labelledby="h-by-unit">
                    <thead>
                        <tr>
                            <th scope="col">"Đơn vị"</th>
                            <th scope="col">"Số buổi"</th>
                            <th scope="col">"Số cán bộ dự"</th>
                        </tr>
                    </thead>
                    <tbody>{units}</tbody>
                </table>
            </div>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::decimal;

    #[test]
    fn decimals_are_written_with_a_comma() {
        for (x, text) in [(12.5, "12,5"), (60.0, "60"), (33.333, "33,33"), (0.0, "0")] {
            assert_eq!(decimal(x), text, "{x}");
        }
    }
}
