using Declaration.BuildingBlocks.Application;
using Declaration.BuildingBlocks.Data;
using Declaration.AnnualReview.Contracts;
using Declaration.Notices.Contracts;
using Declaration.Notices.Features.Sms;
using Declaration.Placement.Contracts;
using Declaration.Units.Contracts;
using Mediator;
using Microsoft.Extensions.DependencyInjection;

namespace Declaration.Notices.Infrastructure;

/// <summary>
/// Demo notices (pinned, expired, other regions, Markdown) published through the module's own command as the provincial
/// federation's administrator, and a few text messages to unit A, delivered to the local sink. Idempotent: a notice whose
/// title exists is skipped; the messages have fixed event ids (one per event and unit).
/// </summary>
internal sealed class NoticesDemoData : IDemoDataSeeder
{
    public int Order => 50;

    private static readonly (string Title, string Body, string Target, int PublishedDaysAgo, int? ExpiresInDays, bool Pinned)[] Notices =
    [
        ("关于做好2025年度残疾人按比例就业情况联网认证工作的通知",
            """
            各用人单位：

            2025年度残疾人按比例就业情况**联网认证**（年审）工作已经开始，申报时间为 **2026年3月1日至10月31日**。请按以下步骤办理：

            1. 登录浙江政务服务网，进入“全国残疾人按比例就业情况联网认证”事项；
            2. 核对**单位信息**（残联主管部门、税务主管部门、所属行政区）；
            3. 在“残疾人安置管理”中逐一登记安置的残疾人，查看联网认证结果；
            4. 残联审核确认后，完成**年审认证**并下载年审认证确认书。

            | 事项 | 时间 |
            | --- | --- |
            | 单位申报 | 3月1日—10月31日 |
            | 残联审核 | 申报后15个工作日内 |

            如有疑问，请咨询当地残联。
            """, "33", 14, null, true),
        ("残疾人就业保障金征收政策解读",
            """
            根据财政部公告2019年第98号和2023年第8号，**2020年至2027年**对残疾人就业保障金实行分档减缴：

            - 安排残疾人就业比例达到1%（含）以上但未达到1.5%的，按应缴费额的*50%*缴纳；
            - 比例在1%以下的，按应缴费额的*90%*缴纳；
            - 在职职工总数30人（含）以下的企业，暂免征收。

            可使用系统中的“残保金计算器”估算本单位应缴金额。
            """, "33", 30, null, false),
        ("杭州市2025年度按比例就业年审业务咨询电话",
            """
            杭州市各区（县、市）残联按比例就业年审咨询电话已更新，请用人单位在工作日 **8:30—17:00** 拨打所属区残联电话咨询。

            > 温馨提示：经办人电话请填写手机号码，以便接收短信通知。
            """, "3301", 7, null, true),
        ("西湖区关于集中受理残疾人安置登记材料的通知",
            """
            西湖区残联将于每周二、周四集中受理异议材料（PDF、JPG或PNG格式，每个文件不超过10MB）。
            """, "330106", 3, 60, false),
        ("宁波市2025年度按比例就业年审工作安排",
            """
            宁波市各用人单位请于**2026年9月30日**前完成年审认证。
            """, "3302", 5, null, false),
        ("2024年度年审认证工作已结束的公告",
            """
            2024年度残疾人按比例就业情况联网认证工作已于2025年10月31日结束，感谢各单位的配合。
            """, "33", 200, -30, false),
        ("系统维护通知：按比例就业申报系统将于周六凌晨维护",
            """
            为提升服务质量，系统将于本周六 00:00—06:00 进行维护，期间暂停服务。<script>alert('演示：脚本不会执行')</script>
            """, "33", 1, 30, false),
    ];

    public async Task SeedAsync(IServiceProvider services, CancellationToken ct)
    {
        services.GetRequiredService<CurrentUserHolder>().User = new ExplicitUser("demo-admin", "浙江省残疾人联合会", Role.Admin);
        var sender = services.GetRequiredService<ISender>();
        var db = services.GetRequiredService<IDbSession>();
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
        foreach (var n in Notices)
        {
            if (await db.ExecuteScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM notices.notice WHERE title = @Title)", new { n.Title }, ct)) continue;
            var publishAt = now.AddDays(-n.PublishedDaysAgo);
            DateTimeOffset? expiresAt = n.ExpiresInDays is { } d ? now.AddDays(d) : null;
            var id = await sender.Send(new PublishNotice(n.Title, n.Body, n.Target, publishAt, expiresAt, n.Pinned), ct);
            await sender.Send(new MarkNoticeRead(id), ct);
        }

        // A few messages to unit A (demo), as the case events would produce them, delivered to the local sink.
        var unitA = await sender.Send(new GetUnitByCreditCode("91330106MA2CDE0A1M"), ct);
        if (unitA is null) return;
        var queue = services.GetRequiredService<SmsQueue>();
        await db.BeginAsync(ct);
        await queue.ForUnitAsync(new PlacementReturned(Guid.Empty, unitA.Id, 2025, "月工资低于最低工资标准", "赵*", 0) { Id = new Guid("5e3d0000-0000-4000-8000-000000000001") },
            unitA.Id, SmsKinds.PlacementReturned, c => new { UnitName = c.Name, BusinessYear = 2025, MaskedName = "赵*" }, ct);
        await queue.ForUnitAsync(new DisputeDecided(Guid.Empty, unitA.Id, 2025, 3, true, "李*") { Id = new Guid("5e3d0000-0000-4000-8000-000000000002") },
            unitA.Id, SmsKinds.DisputeDecided, c => new { UnitName = c.Name, BusinessYear = 2025, MaskedName = "李*", Month = 3, Granted = true }, ct);
        await queue.ForUnitAsync(new ReopenRequestDecided(unitA.Id, 2024, false, "") { Id = new Guid("5e3d0000-0000-4000-8000-000000000003") },
            unitA.Id, SmsKinds.ReopenRequestDecided, c => new { UnitName = c.Name, BusinessYear = 2024, Approved = false }, ct);
        await db.CommitAsync(ct);
        await services.GetRequiredService<SmsDispatcher>().DispatchOnceAsync(ct);
    }
}
