using System.Security.Cryptography;

namespace Declaration.BuildingBlocks.Csv;

/// <summary>Reads through a stream while computing its SHA-256 (the import history's file hash), without buffering it.</summary>
public sealed class HashingStream(Stream inner) : ReadOnlyStream
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    private string? _digest;

    /// <summary>Reads what is left and returns the hash of the whole stream (callable after a reader disposed this wrapper).</summary>
    public string HexDigest()
    {
        if (_digest is not null) return _digest;
        var buffer = new byte[81920];
        while (Read(buffer, 0, buffer.Length) > 0) { }
        _digest = Convert.ToHexStringLower(_hash.GetHashAndReset());
        _hash.Dispose();
        return _digest;
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        var n = inner.Read(buffer, offset, count);
        _hash.AppendData(buffer, offset, n);
        return n;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var n = await inner.ReadAsync(buffer, cancellationToken);
        _hash.AppendData(buffer.Span[..n]);
        return n;
    }


    /// <summary>The CSV reader disposes the stream it reads; the hash stays available until <see cref="HexDigest"/>.</summary>
    protected override void Dispose(bool disposing) => base.Dispose(disposing);
}
