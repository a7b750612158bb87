using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Declaration.Host.Pages;

[IgnoreAntiforgeryToken]
public sealed class ErrorModel : PageModel
{
    public string Title { get; private set; } = "出错了";
    public string Message { get; private set; } = "系统暂时无法处理您的请求，请稍后再试。";

    public void OnGet() => Describe();
    public void OnPost() => Describe();

    private void Describe()
    {
        var status = Response.StatusCode;
        Title = status switch
        {
            404 => "未找到", 403 => "无权访问", 409 => "数据已被修改", 400 => "输入有误", 405 => "请求方式有误", 413 => "内容过大", 415 => "内容类型有误",
            422 => "操作不被允许", 429 => "请求过于频繁", _ => "出错了",
        };
        if (HttpContext.Items["error.message"] is string message) Message = message;
        else if (status == 404) Message = "您要访问的页面或记录不存在。";
        else if (status >= 500)
            // The host logged the full exception under this request's id.
            Message = $"系统处理您的请求时发生了意外错误，这次操作没有完成（导入、保存等均未写入）。请稍后重试；如仍失败，请联系系统管理员并提供错误编号 {HttpContext.TraceIdentifier}。";
    }
}
