using Microsoft.AspNetCore.Mvc.ModelBinding;

namespace Declaration.Host.Web;

/// <summary>One labelled input with its hint and errors (the _Field partial): accessible by construction.</summary>
public sealed record FieldModel(string Name, string Label, string? Value, ModelStateDictionary State, string? Hint = null, string Type = "text", bool Required = true);

/// <summary>One labelled select with its errors (the _Select partial).</summary>
public sealed record SelectFieldModel(string Name, string Label, string? Value, IReadOnlyDictionary<string, string> Options, ModelStateDictionary State);
