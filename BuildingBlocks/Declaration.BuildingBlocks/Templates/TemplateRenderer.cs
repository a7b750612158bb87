using System.Collections.Concurrent;
using System.Reflection;
using Scriban;
using Scriban.Runtime;

namespace Declaration.BuildingBlocks.Templates;

/// <summary>Scriban templates embedded in a module, parsed once, strict about unknown variables.</summary>
public sealed class TemplateRenderer
{
    private readonly ConcurrentDictionary<(Assembly, string), Template> _cache = new();

    public string Render(Assembly assembly, string resourceSuffix, object model)
    {
        var template = _cache.GetOrAdd((assembly, resourceSuffix), key =>
        {
            var name = key.Item1.GetManifestResourceNames().Single(n => n.EndsWith(key.Item2, StringComparison.Ordinal));
            using var reader = new StreamReader(key.Item1.GetManifestResourceStream(name)!);
            var parsed = Template.Parse(reader.ReadToEnd(), name);
            if (parsed.HasErrors) throw new InvalidOperationException(string.Join("; ", parsed.Messages));
            return parsed;
        });
        var script = new ScriptObject();
        script.Import(model, renamer: member => StandardMemberRenamer.Default(member));
        var context = new TemplateContext { StrictVariables = true, MemberRenamer = StandardMemberRenamer.Default };
        context.PushGlobal(script);
        return template.Render(context);
    }
}
