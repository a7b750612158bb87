using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Declaration.ReliabilityTests;

/// <summary>A signed-in account on the host over HTTP (its cookies survive host restarts: the key ring is in PostgreSQL).</summary>
internal sealed partial class ApiSession : IDisposable
{
    private readonly HttpClientHandler _handler = new() { CookieContainer = new CookieContainer(), AllowAutoRedirect = false };
    private readonly HttpClient _client;

    private ApiSession(string baseUrl) => _client = new HttpClient(_handler) { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(30) };

    public static async Task<ApiSession> SignInAsync(string baseUrl, string user, string password)
    {
        var session = new ApiSession(baseUrl);
        var page = await session._client.GetStringAsync("/Account/Login");
        var token = TokenPattern().Match(page).Groups[1].Value;
        var response = await session._client.PostAsync("/Account/Login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["UserName"] = user, ["Password"] = password, ["__RequestVerificationToken"] = token,
        }));
        if (response.StatusCode != HttpStatusCode.Redirect) throw new InvalidOperationException($"sign-in of {user} failed: {(int)response.StatusCode}");
        // State-changing /api calls made with the cookie carry the antiforgery header token, as the pages' script sends it.
        var antiforgery = await session.GetAsync("/api/antiforgery");
        session._client.DefaultRequestHeaders.Add(antiforgery.GetProperty("headerName").GetString()!, antiforgery.GetProperty("token").GetString());
        return session;
    }

    public async Task<JsonElement> GetAsync(string path)
    {
        using var response = await _client.GetAsync(path);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    public Task<HttpResponseMessage> PostAsync(string path, object body) => _client.PostAsJsonAsync(path, body);
    public Task<HttpResponseMessage> PutAsync(string path, object body) => _client.PutAsJsonAsync(path, body);
    public Task<HttpResponseMessage> DeleteAsync(string path) => _client.DeleteAsync(path);

    public Task<HttpResponseMessage> UploadAsync(string path, byte[] content, string fileName)
    {
        var form = new MultipartFormDataContent { { new ByteArrayContent(content), "file", fileName } };
        return _client.PostAsync(path, form);
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex TokenPattern();

    public void Dispose()
    {
        _client.Dispose();
        _handler.Dispose();
    }
}
