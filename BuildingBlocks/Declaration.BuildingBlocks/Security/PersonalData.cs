using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Declaration.BuildingBlocks.Security;

public sealed class PersonalDataOptions
{
    /// <summary>Base64 of 32 bytes: the AES-256-GCM key for IdNumbers at rest.</summary>
    public string EncryptionKey { get; set; } = string.Empty;
    /// <summary>Base64 of 32 bytes: the HMAC-SHA256 key of the blind index.</summary>
    public string BlindIndexKey { get; set; } = string.Empty;
}

/// <summary>PIPL protection of IdNumbers: encrypted at rest, found by a keyed hash, never logged.</summary>
public interface IPersonalDataProtector
{
    byte[] Encrypt(string plaintext);
    string Decrypt(byte[] ciphertext);
    /// <summary>A keyed hash that finds a value without storing it readable.</summary>
    byte[] BlindIndex(string value);
}

internal sealed class PersonalDataProtector : IPersonalDataProtector
{
    private readonly byte[] _key;
    private readonly byte[] _indexKey;

    public PersonalDataProtector(IOptions<PersonalDataOptions> options)
    {
        _key = Key(options.Value.EncryptionKey, "Declaration:PersonalData:EncryptionKey");
        _indexKey = Key(options.Value.BlindIndexKey, "Declaration:PersonalData:BlindIndexKey");
    }

    private static byte[] Key(string base64, string name)
    {
        var key = string.IsNullOrWhiteSpace(base64) ? [] : Convert.FromBase64String(base64);
        return key.Length == 32 ? key : throw new InvalidOperationException($"{name} must be 32 bytes in base64.");
    }

    public byte[] Encrypt(string plaintext)
    {
        var data = Encoding.UTF8.GetBytes(plaintext);
        var result = new byte[12 + 16 + data.Length];
        var nonce = result.AsSpan(0, 12);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_key, 16);
        aes.Encrypt(nonce, data, result.AsSpan(28), result.AsSpan(12, 16));
        return result;
    }

    public string Decrypt(byte[] ciphertext)
    {
        var plain = new byte[ciphertext.Length - 28];
        using var aes = new AesGcm(_key, 16);
        aes.Decrypt(ciphertext.AsSpan(0, 12), ciphertext.AsSpan(28), ciphertext.AsSpan(12, 16), plain);
        return Encoding.UTF8.GetString(plain);
    }

    public byte[] BlindIndex(string value) => HMACSHA256.HashData(_indexKey, Encoding.UTF8.GetBytes(value));
}
