using System.Collections;
using System.Collections.Concurrent;
using System.Reflection;

namespace Declaration.BuildingBlocks.Domain;

/// <summary>What any text typed by a person (or sent by a client) may contain.</summary>
public static class TextInput
{
    /// <summary>Longer than any notice body or reason the system keeps; a 10 MB string is refused before it is read further.</summary>
    public const int MaxLength = 100_000;

    /// <summary>A Chinese message when <paramref name="value"/> is not acceptable text, else null.</summary>
    public static string? Check(string? value)
    {
        if (value is null) return null;
        if (value.Length > MaxLength) return $"内容过长（不能超过{MaxLength}个字符）";
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (char.IsHighSurrogate(c))
            {
                if (i + 1 < value.Length && char.IsLowSurrogate(value[i + 1])) { i++; continue; }
                return "包含无效的字符编码（不成对的代理字符）";
            }
            if (char.IsLowSurrogate(c)) return "包含无效的字符编码（不成对的代理字符）";
            if (c is '\t' or '\n' or '\r') continue;
            if (c < 0x20 || c is >= '\u007f' and <= '\u009f') return $"不能包含控制字符（U+{(int)c:X4}）";
            if (c is >= '\u202a' and <= '\u202e' or >= '\u2066' and <= '\u2069' or '\u200e' or '\u200f' or '\u061c')
                return $"不能包含双向文本控制字符（U+{(int)c:X4}），这类字符可使显示的文字与实际内容不一致";
            // U+FFFD is what a decoder leaves of broken input (a lone surrogate in JSON, invalid UTF-8): refused like the break itself.
            if (c is '\ufffe' or '\uffff' or '\ufffd') return $"包含无效字符（U+{(int)c:X4}，可能是编码错误）";
        }
        return null;
    }

    private static readonly ConcurrentDictionary<Type, PropertyInfo[]> Properties = new();

    /// <summary>Every string reachable from <paramref name="message"/> (properties, nested objects, lists; three levels), checked.</summary>
    public static Dictionary<string, string[]> CheckObject(object message)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        Walk(message, null, 0, errors);
        return errors;
    }

    private static void Walk(object? value, string? path, int depth, Dictionary<string, string[]> errors)
    {
        switch (value)
        {
            case null:
                return;
            case string s:
                if (Check(s) is { } error) errors.TryAdd(path ?? "value", [error]);
                return;
            case Stream or Delegate or Type:
                return;
        }
        var type = value.GetType();
        if (type.IsPrimitive || type.IsEnum || value is decimal or DateTime or DateTimeOffset or DateOnly or TimeOnly or TimeSpan or Guid || depth >= 3) return;
        if (value is IEnumerable items)
        {
            var index = 0;
            foreach (var item in items)
            {
                if (index >= 10_000) break;
                Walk(item, $"{path}[{index++}]", depth + 1, errors);
            }
            return;
        }
        if (type.Namespace?.StartsWith("System", StringComparison.Ordinal) == true) return;
        foreach (var property in Properties.GetOrAdd(type, t => t.GetProperties(BindingFlags.Public | BindingFlags.Instance)
                     .Where(p => p.GetIndexParameters().Length == 0 && p.CanRead && p.Name != "EqualityContract").ToArray()))
            Walk(property.GetValue(value), path is null ? property.Name : $"{path}.{property.Name}", depth + 1, errors);
    }
}
