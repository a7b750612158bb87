using Declaration.BuildingBlocks.Csv;

namespace Declaration.BuildingBlocks.Application;

/// <summary>What an accepted import file did. A rejected file throws <see cref="ImportRejectedException"/> instead.</summary>
public sealed record ImportResult(string Kind, long Rows, long Inserted, long Updated, string Sha256)
{
    /// <summary>Rows accepted with a warning (e.g. a credit-code checksum mismatch).</summary>
    public IReadOnlyList<ImportError> Warnings { get; init; } = [];
}

public sealed record PagedResult<T>(IReadOnlyList<T> Items, int Page, int PageSize, long Total)
{
    public int PageCount => PageSize <= 0 ? 1 : (int)Math.Max(1, (Total + PageSize - 1) / PageSize);
}

/// <summary>A file handed back to the caller (evidence, certificate, export).</summary>
public sealed record FileDownload(string FileName, string ContentType, Stream Content);
