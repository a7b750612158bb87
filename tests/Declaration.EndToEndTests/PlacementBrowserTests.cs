using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text;
using Microsoft.Playwright;
using Npgsql;

namespace Declaration.EndToEndTests;

/// <summary>Manual chapter 5 (steps 1–5) and the reviewer's side in a real Chromium, with axe on every page; placement access over HTTP.</summary>
public sealed class PlacementBrowserTests
{
    /// <summary>The demo's 2025 declaration window (1 March – 31 October 2026) may already be closed on the machine's date: open it for these tests.</summary>
    [OneTimeSetUp]
    public static Task OpenWindowAsync() => ExecuteAsync("""
        INSERT INTO annual_review.declaration_window (business_year, opens_on, closes_on, updated_by, updated_at)
        VALUES (2025, '2026-03-01', '2099-12-31', 'e2e', now()) ON CONFLICT (business_year) DO UPDATE SET closes_on = EXCLUDED.closes_on
        """);

    [OneTimeTearDown]
    public static Task RestoreWindowAsync() => ExecuteAsync("DELETE FROM annual_review.declaration_window WHERE business_year = 2025 AND updated_by = 'e2e'");

    private static async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(E2E.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<Guid> PlacementIdAsync(string maskedIdNumber)
    {
        await using var connection = new NpgsqlConnection(E2E.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT id FROM placement.placement WHERE id_number_masked = @m ORDER BY created_at LIMIT 1", connection);
        command.Parameters.AddWithValue("m", maskedIdNumber);
        return (Guid)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<string?> StateAsync(Guid id)
    {
        await using var connection = new NpgsqlConnection(E2E.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT state FROM placement.placement WHERE id = @id", connection);
        command.Parameters.AddWithValue("id", id);
        return (string?)await command.ExecuteScalarAsync();
    }

    [Test]
    public async Task Clerk_AddsAPerson_SeesTheMonthlyResult_DisputesWithAPdf_AndReturnsToTheList()
    {
        var page = await Browser.SignedInPageAsync("demo");
        // Step 1: the list of the year, with 添加残疾人.
        await page.GotoAsync("/Unit/Placements?year=2025");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "残疾人安置管理", Level = 1 })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Table)).ToContainTextAsync("已确认");
        await Browser.AssertAccessibleAsync(page);
        await page.GetByRole(AriaRole.Link, new() { Name = "添加残疾人" }).ClickAsync();

        // Step 2: the form; a validation error first, on its field.
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "添加残疾人（2025年度）" })).ToBeVisibleAsync();
        await Browser.AssertAccessibleAsync(page);
        await page.GetByLabel("姓名").FillAsync("陈静");
        await page.GetByLabel("公民身份号码").FillAsync("330212198808080331");
        await page.GetByLabel("证件类型").SelectOptionAsync(new SelectOptionValue { Label = "残疾人证" });
        await page.GetByLabel("证件号码").FillAsync("33021219880808033033");
        await page.GetByLabel("就业开始日期").FillAsync("2025-01-01");
        await page.GetByLabel("合同类型").SelectOptionAsync(new SelectOptionValue { Label = "固定期限劳动合同" });
        await page.GetByLabel("合同开始日期").FillAsync("2025-01-01");
        await page.GetByLabel("月工资").FillAsync("5000");
        await page.GetByRole(AriaRole.Button, new() { Name = "下一步" }).ClickAsync();
        await Assertions.Expect(page.GetByText("公民身份号码校验码（第18位）不正确")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByText("固定期限劳动合同和劳务（服务）协议须填写合同结束日期")).ToBeVisibleAsync();
        await Browser.AssertAccessibleAsync(page);
        await page.GetByLabel("公民身份号码").FillAsync("330212198808080330");
        await page.GetByLabel("合同结束日期").FillAsync("2027-12-31");
        await page.GetByRole(AriaRole.Button, new() { Name = "下一步" }).ClickAsync();

        // Step 3: the 12-month result with reasons in plain Chinese (陈静's pension is paid by another unit).
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "联网认证结果", Level = 1 })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Table)).ToContainTextAsync("该月未查询到本单位（或关联单位）缴纳的养老保险");
        await Browser.AssertAccessibleAsync(page);
        // An objection without a reason is refused on the field.
        await page.GetByLabel("3月").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "提交人工审核" }).ClickAsync();
        await Assertions.Expect(page.GetByText("请填写异议理由")).ToBeVisibleAsync();
        await Browser.AssertAccessibleAsync(page);
        await page.GetByLabel("3月").CheckAsync();
        await page.GetByLabel("4月").CheckAsync();
        await page.GetByLabel("异议理由").FillAsync("该职工3、4月养老保险由本单位补缴，附补缴凭证。");
        await page.GetByLabel("上传证明材料").SetInputFilesAsync(new FilePayload
        {
            Name = "补缴凭证.pdf", MimeType = "application/pdf", Buffer = Encoding.ASCII.GetBytes("%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"),
        });
        await page.GetByRole(AriaRole.Button, new() { Name = "提交人工审核" }).ClickAsync();

        // Step 4: 继续登记 or 返回安置登记管理.
        await Assertions.Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "异议已提交" })).ToBeVisibleAsync();
        await Browser.AssertAccessibleAsync(page);
        await page.GetByRole(AriaRole.Link, new() { Name = "继续登记" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "添加残疾人（2025年度）" })).ToBeVisibleAsync();
        await page.GoBackAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "返回安置登记管理" }).ClickAsync();

        // Step 5: the list shows the person, disputed, with 查看 / 重新登记 / 删除.
        var row = page.GetByRole(AriaRole.Row).Filter(new() { HasText = "330212********0330" });
        await Assertions.Expect(row).ToContainTextAsync("异议待审核");
        await Assertions.Expect(row.GetByRole(AriaRole.Link, new() { Name = "重新登记 陈*" })).ToBeVisibleAsync();
        await Browser.AssertAccessibleAsync(page);
        await row.GetByRole(AriaRole.Link, new() { Name = "查看 陈*" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "补缴凭证.pdf" })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByText("本单位认为符合条件的月份：3月、4月")).ToBeVisibleAsync();
        await Browser.AssertAccessibleAsync(page);

        // 删除 asks for confirmation on its own page (cancel keeps the person).
        await page.GetByRole(AriaRole.Link, new() { Name = "删除" }).ClickAsync();
        await Assertions.Expect(page.GetByText("确定要删除")).ToBeVisibleAsync();
        await Browser.AssertAccessibleAsync(page);
        await page.GetByRole(AriaRole.Link, new() { Name = "取消" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Row).Filter(new() { HasText = "330212********0330" })).ToHaveCountAsync(1);
        await page.Context.CloseAsync();
    }

    [Test]
    public async Task Reviewer_DecidesTheDisputedMonths_AndConfirms()
    {
        var page = await Browser.SignedInPageAsync("reviewer");
        await page.GotoAsync("/Review/Placements?kind=Disputed");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "安置人员审核", Level = 1 })).ToBeVisibleAsync();
        var row = page.GetByRole(AriaRole.Row).Filter(new() { HasText = "330106********2511" });
        await Assertions.Expect(row).ToContainTextAsync("3月、4月");
        await Browser.AssertAccessibleAsync(page);
        await row.GetByRole(AriaRole.Link, new() { Name = "审核 李*" }).ClickAsync();

        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "安置人员审核详情" })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByText("330106199003072511", new() { Exact = true })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "社保缴费证明.pdf" })).ToBeVisibleAsync();
        await Browser.AssertAccessibleAsync(page);
        await page.GetByLabel("3月审核意见").FillAsync("补缴凭证属实");
        await page.GetByRole(AriaRole.Button, new() { Name = "3月 同意" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "3月已同意" })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Row).Filter(new() { HasText = "补缴凭证属实" })).ToHaveCountAsync(1);
        await Browser.AssertAccessibleAsync(page);
        // Every disputed month needs a decision before the placement is confirmed.
        await page.GetByRole(AriaRole.Button, new() { Name = "确认该人员" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("4月");
        await page.GetByLabel("4月审核意见").FillAsync("未见4月缴费凭证");
        await page.GetByRole(AriaRole.Button, new() { Name = "4月 不同意" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "4月已不同意" })).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "确认该人员" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "已确认该人员" })).ToBeVisibleAsync();
        await page.Context.CloseAsync();

        // The unit sees the state change (through PlacementConfirmed) and the reviewer's month decision.
        var clerk = await Browser.SignedInPageAsync("demo");
        var id = await PlacementIdAsync("330106********2511");
        for (var i = 0; i < 100 && await StateAsync(id) != "Confirmed"; i++) await Task.Delay(200);
        await clerk.GotoAsync($"/Unit/Placements/Detail?id={id}");
        await Assertions.Expect(clerk.Locator("dl.profile")).ToContainTextAsync("已确认");
        await Assertions.Expect(clerk.GetByRole(AriaRole.Table)).ToContainTextAsync("补缴凭证属实");
        await Assertions.Expect(clerk.GetByRole(AriaRole.Link, new() { Name = "重新登记" })).ToHaveCountAsync(0);
        await Browser.AssertAccessibleAsync(clerk);
        await clerk.Context.CloseAsync();
    }

    [Test]
    public async Task Clerk_BulkDeclares_PreviewingRowErrorsBeforeAnythingIsSaved()
    {
        const string header = "credit_code,business_year,id_number,name,certificate_type,certificate_number,employment_start,employment_end,contract_type,contract_start,contract_end,monthly_wage,retirement_base,phone";
        const string good = "91330106MA2CDE0A1M,2025,330106198707070034,周明,disability,33010619870707003443,2025-01-01,,open_ended,2025-01-01,,5200,,";
        var page = await Browser.SignedInPageAsync("demo");
        await page.GotoAsync("/Unit/Placements?year=2025");
        await page.GetByRole(AriaRole.Link, new() { Name = "批量申报" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "下载Excel模板" })).ToBeVisibleAsync();
        await Browser.AssertAccessibleAsync(page);

        var bad = $"{header}\n{good}\n91330106MA2CDE0A1M,2025,330106198808080013,错号,disability,33010619880808001343,2025-01-01,,fixed,2025-01-01,,5000,,\n";
        await page.GetByLabel("申报文件").SetInputFilesAsync(new FilePayload { Name = "人员.csv", MimeType = "text/csv", Buffer = Encoding.UTF8.GetBytes(bad) });
        await page.GetByRole(AriaRole.Button, new() { Name = "上传并预览" }).ClickAsync();
        var errors = page.GetByRole(AriaRole.Table, new() { Name = "错误列表" });
        await Assertions.Expect(errors).ToContainTextAsync("第3行");
        await Assertions.Expect(errors).ToContainTextAsync("公民身份号码校验码（第18位）不正确");
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "确认导入" })).ToHaveCountAsync(0);
        await Browser.AssertAccessibleAsync(page);

        await page.GetByLabel("申报文件").SetInputFilesAsync(new FilePayload { Name = "人员.csv", MimeType = "text/csv", Buffer = Encoding.UTF8.GetBytes($"{header}\n{good}\n") });
        await page.GetByRole(AriaRole.Button, new() { Name = "上传并预览" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Table, new() { Name = "可导入的行" })).ToContainTextAsync("330106********0034");
        await Browser.AssertAccessibleAsync(page);
        await page.GetByRole(AriaRole.Button, new() { Name = "确认导入" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "批量申报完成：新增 1 人" })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Row).Filter(new() { HasText = "330106********0034" })).ToContainTextAsync("待审核");
        await Browser.AssertAccessibleAsync(page);
        await page.Context.CloseAsync();
    }

    [Test]
    public async Task Reviewer_BulkConfirms_AfterConfirmation()
    {
        var page = await Browser.SignedInPageAsync("reviewer-nb");
        await page.GotoAsync("/Review/Placements");
        var row = page.GetByRole(AriaRole.Row).Filter(new() { HasText = "330212********046X" });
        await Assertions.Expect(row).ToContainTextAsync("12/12");
        await row.GetByRole(AriaRole.Checkbox).CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "批量确认所选人员" }).ClickAsync();
        await Assertions.Expect(page.GetByText("确定确认所选的 1 名人员吗")).ToBeVisibleAsync();
        await Browser.AssertAccessibleAsync(page);
        await page.GetByRole(AriaRole.Button, new() { Name = "确认", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "已批量确认 1 人" })).ToBeVisibleAsync();
        await Browser.AssertAccessibleAsync(page);
        var id = await PlacementIdAsync("330212********046X");
        for (var i = 0; i < 100 && await StateAsync(id) != "Confirmed"; i++) await Task.Delay(200);
        Assert.That(await StateAsync(id), Is.EqualTo("Confirmed"));
        await page.Context.CloseAsync();
    }

    [Test]
    public async Task AnotherUnitsPlacement_Is404_AndAReviewerOutsideTheJurisdiction_Gets403()
    {
        var id = await PlacementIdAsync("330106********0015");
        using var own = await HttpSession.SignInAsync("demo");
        using var other = await HttpSession.SignInAsync("demo2");
        using var outside = await HttpSession.SignInAsync("reviewer-nb");
        using var inside = await HttpSession.SignInAsync("reviewer");
        Assert.Multiple(async () =>
        {
            Assert.That((await own.Client.GetAsync($"/api/placements/{id}")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That((await other.Client.GetAsync($"/api/placements/{id}")).StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
            Assert.That((await other.Client.DeleteAsync($"/api/placements/{id}?version=1")).StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
            Assert.That((await other.Client.GetAsync($"/Unit/Placements/Detail?id={id}")).StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
            Assert.That((await outside.Client.GetAsync($"/api/placements/{id}")).StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
            Assert.That((await outside.Client.GetAsync($"/Review/Placements/Detail?id={id}")).StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
            Assert.That((await inside.Client.GetAsync($"/api/placements/{id}")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That((await own.Client.GetAsync("/Review/Placements")).StatusCode, Is.Not.EqualTo(HttpStatusCode.OK));
        });
    }

    [Test]
    public async Task TheJsonApi_Declares_RefusesAStaleEditWith409_AndDeletes()
    {
        using var own = await HttpSession.SignInAsync("demo");
        var body = new Dictionary<string, object?>
        {
            ["businessYear"] = 2025, ["idNumber"] = "330106198808080012", ["name"] = "接口测试", ["certificateType"] = "disability",
            ["certificateNumber"] = "33010619880808001243", ["employmentStart"] = "2025-01-01", ["contractType"] = "open_ended",
            ["contractStart"] = "2025-01-01", ["monthlyWage"] = 5000, ["retirementBase50"] = false,
        };
        var created = await own.Client.PostAsync("/api/placements", JsonContent.Create(body));
        Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created), await created.Content.ReadAsStringAsync());
        var saved = await created.Content.ReadFromJsonAsync<JsonElement>();
        var id = saved.GetProperty("placementId").GetGuid();
        var version = saved.GetProperty("version").GetInt32();
        var duplicate = await own.Client.PostAsync("/api/placements", JsonContent.Create(body));
        body["placementId"] = id;
        body["version"] = version - 1;
        var stale = await own.Client.PutAsync($"/api/placements/{id}", JsonContent.Create(body));
        var detail = await own.Client.GetFromJsonAsync<JsonElement>($"/api/placements/{id}");
        var result = await own.Client.GetFromJsonAsync<JsonElement>($"/api/placements/{id}/result");
        var deleted = await own.Client.DeleteAsync($"/api/placements/{id}?version={version}");
        Assert.Multiple(async () =>
        {
            Assert.That(duplicate.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(await duplicate.Content.ReadAsStringAsync(), Does.Contain("不能重复登记"));
            Assert.That(stale.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
            Assert.That(detail.GetProperty("idNumberShown").GetString(), Is.EqualTo("330106198808080012"));
            Assert.That(result.GetProperty("months").GetArrayLength(), Is.EqualTo(12));
            Assert.That(deleted.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
            Assert.That((await own.Client.GetAsync($"/api/placements/{id}")).StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        });
    }
}
