//! A sample report for tests and the benchmark (feature `fixtures`): a chargeable
//! on-site repair of a Chinese customer's washing machine, with steps, serialised parts,
//! a failed and a passed test, photos and a drawn signature, driven through the real
//! order operations so its sign-off digest is the real one.

use std::collections::HashMap;

use image::codecs::jpeg::JpegEncoder;
use image::{ImageEncoder, Rgb, RgbImage};
use onsite_core::doc::order::{OrderDoc, OrderOp};
use onsite_core::fixtures::{Cast, Scenario};
use onsite_core::ids::PartId;
use onsite_core::lifecycle::{OrderState, TransitionError};
use onsite_core::money::Money;
use onsite_core::records::order::ContactChannel;
use onsite_core::records::request::ServiceMode;
use onsite_core::settings::Settings;

/// The customer's name on the sample order.
pub const CUSTOMER: &str = "欧阳喆";
/// The fee charged on the sample order, as the report prints it.
pub const FEE: &str = "CNY 386.50";
/// The part numbers fitted.
pub const PARTS: [&str; 2] = ["BR-21 碳刷", "BELT-8"];

/// A sample order with its blobs and names.
pub struct Sample {
    /// The order.
    pub order: OrderDoc,
    /// The settings, with the company's name, address and logo.
    pub settings: Settings,
    /// Photos and signature strokes by hash.
    pub blobs: HashMap<String, Vec<u8>>,
    /// User id → name.
    pub people: HashMap<String, String>,
    /// The scenario's cast.
    pub cast: Cast,
}

/// A photo-like JPEG of `w`×`h` pixels (a gradient with a pattern, so it compresses like
/// a photo rather than a flat colour), deterministic in `seed`.
pub fn jpeg(seed: u32, w: u32, h: u32) -> Vec<u8> {
    let img = RgbImage::from_fn(w, h, |x, y| {
        let v = (x * 7 + y * 3 + seed * 41) % 256;
        let pattern = ((x / 40 + y / 40 + seed) % 2) as u8 * 40;
        Rgb([
            v as u8,
            (255 - v) as u8 / 2 + pattern,
            ((x ^ y) % 256) as u8,
        ])
    });
    let mut out = Vec::new();
    let encoded = JpegEncoder::new_with_quality(&mut out, 82).write_image(
        img.as_raw(),
        w,
        h,
        image::ExtendedColorType::Rgb8,
    );
    match encoded {
        Ok(()) => out,
        Err(_) => Vec::new(),
    }
}

/// A small PNG logo as the company settings keep it: a `data:` URL.
pub fn logo() -> String {
    use base64::Engine as _;
    let img = image::RgbaImage::from_fn(96, 96, |x, y| {
        let (dx, dy) = (x as i32 - 48, y as i32 - 48);
        let ring = (dx * dx + dy * dy) < 46 * 46 && (dx * dx + dy * dy) > 30 * 30;
        let bar = (40..56).contains(&x) && (20..76).contains(&y);
        if ring || bar {
            image::Rgba([0x0b, 0x5c, 0xad, 255])
        } else {
            image::Rgba([0, 0, 0, 0])
        }
    });
    let mut png = Vec::new();
    let encoded = image::codecs::png::PngEncoder::new(&mut png).write_image(
        img.as_raw(),
        96,
        96,
        image::ExtendedColorType::Rgba8,
    );
    if encoded.is_err() {
        return String::new();
    }
    format!(
        "data:image/png;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(png)
    )
}

/// Signature strokes in the device's canonical JSON: a looping scrawl.
pub fn strokes() -> Vec<u8> {
    let mut strokes = Vec::new();
    for s in 0..3 {
        let pts: Vec<String> = (0..60)
            .map(|i| {
                let t = f64::from(i) / 59.0;
                let x = 40.0 + f64::from(s) * 150.0 + t * 130.0;
                let y = 100.0 + (t * 12.0 + f64::from(s)).sin() * 40.0 * (1.0 - t * 0.5);
                format!(r#"{{"x":{x:.2},"y":{y:.2},"time":{}}}"#, i * 16)
            })
            .collect();
        strokes.push(format!("[{}]", pts.join(",")));
    }
    format!(
        r#"{{"width":520,"height":200,"strokes":[{}]}}"#,
        strokes.join(",")
    )
    .into_bytes()
}

/// The sample order, signed, with `photos` photos of 1600×1200 (the device's largest).
pub fn order(photos: usize) -> Result<Sample, TransitionError> {
    let mut settings = Settings::default();
    settings.company.name = "海川家电售后服务有限公司".into();
    settings.company.address = "上海市徐汇区漕溪北路 88 号".into();
    settings.company.phone = "400-820-8820".into();
    settings.company.logo = logo();
    let mut s = Scenario::with_settings(ServiceMode::OnSite, true, settings.clone());
    s.order.customer.name = CUSTOMER.into();
    s.order.customer.address = "上海市浦东新区世纪大道 100 号 12 楼 1203 室".into();
    s.order.customer.phone = "138 0013 8000".into();
    s.order.product.model = "HC-WM8000 滚筒洗衣机".into();
    s.order.request.description = "滚筒不转，显示 E21 故障码，有焦糊味".into();
    let cast = s.cast;
    let tech = cast.technician;
    s.drive_to(OrderState::Dispatched)?;
    let id = s.id();
    s.run(
        tech,
        OrderOp::LogContact {
            id,
            channel: ContactChannel::Phone,
            reached: true,
            note: "已确认故障、上门时间、地点与费用预估".into(),
        },
    )?;
    let visit = s.id();
    s.run(tech, OrderOp::CheckIn { visit })?;
    s.run(tech, OrderOp::ShowWorkId)?;
    let mut blobs = HashMap::new();
    let captions = [
        "维修前：电机碳刷磨损",
        "皮带开裂",
        "更换后",
        "测试运行",
        "铭牌",
        "现场清洁",
    ];
    for i in 0..photos {
        let bytes = jpeg(i as u32, 1600, 1200);
        let hash = format!("{:064x}", i + 1);
        blobs.insert(hash.clone(), bytes);
        s.run(
            tech,
            OrderOp::AddPhoto {
                hash,
                caption: captions[i % captions.len()].into(),
            },
        )?;
    }
    s.run(
        tech,
        OrderOp::ConfirmFault {
            note: "滚筒不转，E21：电机不启动".into(),
        },
    )?;
    let fee = Money::new(38_650, "CNY");
    s.run(
        tech,
        OrderOp::RecordDiagnosis {
            cause: "电机碳刷磨损，传动皮带开裂".into(),
            plan: "更换碳刷与皮带，清洁滚筒轴承".into(),
            parts: vec!["BR-21".into(), "BELT-8".into()],
            tools: "常规工具".into(),
            estimated_minutes: 90,
            estimated_fee: fee.clone(),
            risks: "如修后轴承仍有异响，需另行更换轴承".into(),
            touches_data: false,
        },
    )?;
    s.run(
        tech,
        OrderOp::RecordConsent {
            customer_name: CUSTOMER.into(),
            fee_agreed: Some(fee),
            by_phone: false,
        },
    )?;
    for (desc, minutes) in [
        ("拆机检查电机与传动部分", 25),
        ("更换电机碳刷（一对）", 20),
        ("更换传动皮带并调整张紧度", 15),
    ] {
        let id = s.id();
        s.run(
            tech,
            OrderOp::AddRepairStep {
                id,
                description: desc.into(),
                minutes,
            },
        )?;
    }
    for (n, (number, serial)) in [(PARTS[0], "BR21-2026-00417"), (PARTS[1], "")]
        .into_iter()
        .enumerate()
    {
        let id = s.id();
        s.run(
            tech,
            OrderOp::UsePart {
                id,
                part: PartId(onsite_core::fixtures::uuid(500 + n as u128)),
                part_number: number.into(),
                certified: true,
                serialized: !serial.is_empty(),
                quantity: 1,
                serials_new: if serial.is_empty() {
                    vec![]
                } else {
                    vec![serial.into()]
                },
                serials_old: if serial.is_empty() {
                    vec![]
                } else {
                    vec!["BR21-2019-88210".into()]
                },
                location: cast.van,
            },
        )?;
    }
    let id = s.id();
    s.run(
        tech,
        OrderOp::RecordTest {
            id,
            passed: true,
            notes: "满载脱水 1200 转，无异响、无漏水".into(),
            care_advice_given: true,
        },
    )?;
    let strokes = strokes();
    let hash = format!("{:064x}", 0xabcdef_u32);
    blobs.insert(hash.clone(), strokes);
    let id = s.id();
    s.run(
        tech,
        OrderOp::SignOff {
            id,
            signer: CUSTOMER.into(),
            rating: Some(5),
            signature_blob: hash,
        },
    )?;
    s.run(tech, OrderOp::CheckOut)?;
    let people = HashMap::from([
        (cast.technician.user.to_string(), "张伟".to_string()),
        (cast.dispatcher.user.to_string(), "李娜".to_string()),
        (cast.supervisor.user.to_string(), "刘洋".to_string()),
    ]);
    Ok(Sample {
        order: s.order,
        settings,
        blobs,
        people,
        cast,
    })
}
