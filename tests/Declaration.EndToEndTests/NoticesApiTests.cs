using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Declaration.EndToEndTests;

/// <summary>The notices API: region visibility, keyword search, publishing rights (demo data of seed-demo).</summary>
public sealed class NoticesApiTests
{
    private static async Task<List<string>> TitlesAsync(HttpSession session, string? q)
    {
        var response = await session.Client.GetAsync("/api/notices" + (q is null ? "" : "?q=" + Uri.EscapeDataString(q)));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("title").GetString()!).ToList();
    }

    [Test]
    public async Task Search_FindsATwoCharacterKeyword_WithinTheCallersRegionOnly()
    {
        using var hz = await HttpSession.SignInAsync("demo");
        using var nb = await HttpSession.SignInAsync("demo2");
        var hzTitles = await TitlesAsync(hz, "咨询");
        var nbTitles = await TitlesAsync(nb, "咨询");
        Assert.Multiple(() =>
        {
            Assert.That(hzTitles, Does.Contain("杭州市2025年度按比例就业年审业务咨询电话"));
            Assert.That(hzTitles, Does.Contain("关于做好2025年度残疾人按比例就业情况联网认证工作的通知"));
            Assert.That(nbTitles, Is.EqualTo(new[] { "关于做好2025年度残疾人按比例就业情况联网认证工作的通知" }));
        });
    }

    [Test]
    public async Task Publishing_IsForStaff_WithinTheirJurisdiction()
    {
        using var reviewer = await HttpSession.SignInAsync("reviewer");
        using var employer = await HttpSession.SignInAsync("demo");
        object Body(string target) => new { title = "API测试通知" + target, bodyMarkdown = "正文", targetRegionPrefix = target, publishAt = (string?)null, expiresAt = (string?)null, pinned = false };
        var outside = await reviewer.Client.PostAsJsonAsync("/api/review/notices", Body("3302"));
        var inside = await reviewer.Client.PostAsJsonAsync("/api/review/notices", Body("330106"));
        var byUnit = await employer.Client.PostAsJsonAsync("/api/review/notices", Body("330106"));
        Assert.Multiple(async () =>
        {
            Assert.That(outside.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
            Assert.That(inside.StatusCode, Is.EqualTo(HttpStatusCode.Created), await inside.Content.ReadAsStringAsync());
            Assert.That(byUnit.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
            Assert.That(await TitlesAsync(employer, "API测试"), Is.EqualTo(new[] { "API测试通知330106" }));
        });
        var id = (await inside.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        var read = await employer.Client.PostAsync($"/api/notices/{id}/read", null);
        var detail = await employer.Client.GetFromJsonAsync<JsonElement>($"/api/notices/{id}");
        Assert.Multiple(() =>
        {
            Assert.That(read.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(detail.GetProperty("read").GetBoolean(), Is.True);
        });
    }
}
