using System.Globalization;

namespace Declaration.BuildingBlocks.Domain;

/// <summary>The identifier rules of RULES.md §1. Each check returns a Chinese message or null when valid.</summary>
public static class Identifiers
{
    private static readonly int[] IdWeights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    private const string IdCheckChars = "10X98765432";
    private const string CreditCharset = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    private static readonly int[] CreditWeights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

    /// <summary>Upper-cases and trims an IdNumber (a lower-case x check char is accepted).</summary>
    public static string NormalizeIdNumber(string? value) => (value ?? string.Empty).Trim().ToUpperInvariant();

    /// <summary>Checks an IdNumber. <paramref name="today"/> bounds the birth date.</summary>
    public static string? CheckIdNumber(string? raw, DateOnly today)
    {
        var value = NormalizeIdNumber(raw);
        if (value.Length != 18) return "公民身份号码应为18位";
        for (var i = 0; i < 17; i++)
            if (!char.IsAsciiDigit(value[i])) return "公民身份号码前17位应为数字";
        if (!char.IsAsciiDigit(value[17]) && value[17] != 'X') return "公民身份号码第18位校验码应为数字或X";
        if (!DateOnly.TryParseExact(value.AsSpan(6, 8), "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var birth))
            return "公民身份号码中的出生日期（第7–14位）不是有效日期";
        if (birth > today) return "公民身份号码中的出生日期（第7–14位）晚于今天";
        var sum = 0;
        for (var i = 0; i < 17; i++) sum += (value[i] - '0') * IdWeights[i];
        if (IdCheckChars[sum % 11] != value[17]) return "公民身份号码校验码（第18位）不正确";
        return null;
    }

    public static DateOnly BirthDate(string idNumber) =>
        DateOnly.ParseExact(idNumber.AsSpan(6, 8), "yyyyMMdd", CultureInfo.InvariantCulture);

    /// <summary>Char 17 odd = male, even = female.</summary>
    public static bool IsMale(string idNumber) => (idNumber[16] - '0') % 2 == 1;

    /// <summary>Checks a certificate number against the placement's IdNumber.</summary>
    public static string? CheckCertificateNumber(string? raw, string idNumber, bool veteran)
    {
        var value = (raw ?? string.Empty).Trim().ToUpperInvariant();
        if (veteran)
        {
            if (value.Length is < 6 or > 32 || !value.All(char.IsAsciiLetterOrDigit))
                return "残疾军人证号应为6–32位字母或数字";
            return null;
        }
        if (value.Length != 20) return "残疾人证号应为20位（身份证号18位 + 残疾类别1位 + 残疾等级1位）";
        if (!string.Equals(value[..18], NormalizeIdNumber(idNumber), StringComparison.Ordinal))
            return "残疾人证号前18位应与公民身份号码一致";
        if (value[18] is < '1' or > '7') return "残疾人证号第19位（残疾类别）应为1–7";
        if (value[19] is < '1' or > '4') return "残疾人证号第20位（残疾等级）应为1–4";
        return null;
    }

    public enum CreditCodeCheck { Valid, ChecksumMismatch, Invalid }

    /// <summary>Checks a unified social credit code. A checksum mismatch only warns (RULES.md §1).</summary>
    public static (CreditCodeCheck Result, string? Message) CheckCreditCode(string? raw)
    {
        var value = (raw ?? string.Empty).Trim().ToUpperInvariant();
        if (value.Length != 18) return (CreditCodeCheck.Invalid, "统一社会信用代码应为18位");
        var sum = 0;
        for (var i = 0; i < 18; i++)
        {
            var v = CreditCharset.IndexOf(value[i], StringComparison.Ordinal);
            if (v < 0) return (CreditCodeCheck.Invalid, $"统一社会信用代码第{i + 1}位字符“{value[i]}”不合法");
            if (i < 17) sum += v * CreditWeights[i];
        }
        for (var i = 2; i < 8; i++)
            if (!char.IsAsciiDigit(value[i])) return (CreditCodeCheck.Invalid, "统一社会信用代码第3–8位应为行政区划代码（数字）");
        var c = 31 - sum % 31;
        if (c == 31) c = 0;
        if (CreditCharset[c] != value[17]) return (CreditCodeCheck.ChecksumMismatch, "统一社会信用代码校验位不符，请核对（部分早期代码存在此情况，可继续保存）");
        return (CreditCodeCheck.Valid, null);
    }

    public static string NormalizeCreditCode(string? value) => (value ?? string.Empty).Trim().ToUpperInvariant();

    public static string? CheckRegionCode(string? raw)
    {
        var value = (raw ?? string.Empty).Trim();
        if (value.Length != 6 || !value.All(char.IsAsciiDigit)) return "行政区划代码应为6位数字";
        if (value.StartsWith("00", StringComparison.Ordinal)) return "行政区划代码不合法";
        return null;
    }

    public static string? CheckMobile(string? raw)
    {
        var value = (raw ?? string.Empty).Trim();
        if (value.Length != 11 || value[0] != '1' || !value.All(char.IsAsciiDigit)) return "手机号码应为以1开头的11位数字";
        return null;
    }

    /// <summary>Landlines (digits with an optional area-code hyphen) are allowed for the legal phone only.</summary>
    public static string? CheckLegalPhone(string? raw)
    {
        var value = (raw ?? string.Empty).Trim();
        if (CheckMobile(value) is null) return null;
        var digits = value.Replace("-", string.Empty, StringComparison.Ordinal);
        if (digits.Length is >= 7 and <= 12 && digits.All(char.IsAsciiDigit) && value.Count(ch => ch == '-') <= 1) return null;
        return "法人电话应为11位手机号码或固定电话（如0571-87654321）";
    }

    public static readonly IReadOnlyDictionary<string, string> ZhejiangCities = new Dictionary<string, string>
    {
        ["330000"] = "浙江省", ["330100"] = "杭州市", ["330200"] = "宁波市", ["330300"] = "温州市", ["330400"] = "嘉兴市",
        ["330500"] = "湖州市", ["330600"] = "绍兴市", ["330700"] = "金华市", ["330800"] = "衢州市",
        ["330900"] = "舟山市", ["331000"] = "台州市", ["331100"] = "丽水市",
        ["330102"] = "上城区", ["330105"] = "拱墅区", ["330106"] = "西湖区", ["330108"] = "滨江区", ["330109"] = "萧山区",
        ["330110"] = "余杭区", ["330212"] = "鄞州区", ["330302"] = "鹿城区", ["330402"] = "南湖区", ["330602"] = "越城区",
    };

    public static string RegionName(string code) => ZhejiangCities.TryGetValue(code, out var n) ? n : code;
}
