using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Declaration.BuildingBlocks.Security;

public sealed class PersonalDataOptions
{
    /// <summary>Base64 of 32 bytes: the current AES-256-GCM key; every new ciphertext is written with it.</summary>
    public string EncryptionKey { get; set; } = string.Empty;
    /// <summary>The id (1–255) of <see cref="EncryptionKey"/>, carried in every ciphertext written with it.</summary>
    public int EncryptionKeyId { get; set; } = 1;
    /// <summary>Further keys that stay readable, by id (older keys during and after a rotation, or the next key before it becomes current).</summary>
    public Dictionary<string, string> EncryptionKeys { get; set; } = [];
    /// <summary>The id of the key that wrote the ciphertexts older than key ids (they carry none).</summary>
    public int LegacyKeyId { get; set; } = 1;
    /// <summary>Base64 of 32 bytes: the HMAC-SHA256 key of the blind index.</summary>
    public string BlindIndexKey { get; set; } = string.Empty;
    /// <summary>
    /// The version of <see cref="BlindIndexKey"/>. Version 1 indexes are the bare 32-byte HMAC (every index written before
    /// versions existed); a later version writes one version byte and then the HMAC (33 bytes).
    /// </summary>
    public int BlindIndexVersion { get; set; } = 1;
}

/// <summary>PIPL protection of IdNumbers: encrypted at rest, found by a keyed hash, never logged.</summary>
public interface IPersonalDataProtector
{
    /// <summary>Encrypts with the current key; the ciphertext carries that key's id.</summary>
    byte[] Encrypt(string plaintext);
    /// <summary>Decrypts a ciphertext of any key still configured (and one written before key ids, with the legacy key).</summary>
    string Decrypt(byte[] ciphertext);
    /// <summary>A keyed hash that finds a value without storing it readable.</summary>
    byte[] BlindIndex(string value);
    /// <summary>The id of the key new ciphertexts are written with.</summary>
    int CurrentKeyId { get; }
    /// <summary>The version of the blind index written now.</summary>
    int BlindIndexVersion { get; }
    /// <summary>The id of the key that wrote <paramref name="ciphertext"/> (0 for a ciphertext older than key ids); throws when no configured key reads it.</summary>
    int KeyIdOf(byte[] ciphertext);
}

/// <summary>
/// Ciphertext format: <c>0xD1, key id, nonce (12), tag (16), data</c>, the first two bytes bound as associated data, so a
/// ciphertext names its key and the name cannot be altered. Ciphertexts written before key ids are <c>nonce, tag, data</c>;
/// one is recognised when it does not open as the new format (the GCM tag decides: a legacy ciphertext that happens to start
/// with the marker and a known id fails authentication with that key) and is read with <see cref="PersonalDataOptions.LegacyKeyId"/>.
/// </summary>
internal sealed class PersonalDataProtector : IPersonalDataProtector
{
    public const byte Marker = 0xD1;
    private const int HeaderLength = 2, NonceLength = 12, TagLength = 16;

    private readonly Dictionary<int, byte[]> _keys = [];
    private readonly int _legacyKeyId;
    private readonly byte[] _indexKey;

    public PersonalDataProtector(IOptions<PersonalDataOptions> options)
    {
        var o = options.Value;
        if (o.EncryptionKeyId is < 1 or > 255) throw new InvalidOperationException("Declaration:PersonalData:EncryptionKeyId must be between 1 and 255.");
        if (o.BlindIndexVersion is < 1 or > 255) throw new InvalidOperationException("Declaration:PersonalData:BlindIndexVersion must be between 1 and 255.");
        CurrentKeyId = o.EncryptionKeyId;
        _keys[CurrentKeyId] = Key(o.EncryptionKey, "Declaration:PersonalData:EncryptionKey");
        foreach (var (id, key) in o.EncryptionKeys)
        {
            if (!int.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var keyId) || keyId is < 1 or > 255)
                throw new InvalidOperationException($"Declaration:PersonalData:EncryptionKeys:{id}: a key id must be between 1 and 255.");
            var bytes = Key(key, $"Declaration:PersonalData:EncryptionKeys:{id}");
            if (keyId == CurrentKeyId && !bytes.AsSpan().SequenceEqual(_keys[CurrentKeyId]))
                throw new InvalidOperationException($"Declaration:PersonalData:EncryptionKeys:{id} differs from EncryptionKey, which has the same id.");
            _keys[keyId] = bytes;
        }
        _legacyKeyId = o.LegacyKeyId;
        _indexKey = Key(o.BlindIndexKey, "Declaration:PersonalData:BlindIndexKey");
        BlindIndexVersion = o.BlindIndexVersion;
    }

    public int CurrentKeyId { get; }
    public int BlindIndexVersion { get; }

    /// <summary>Every configured key by id (for the key check).</summary>
    internal IReadOnlyDictionary<int, byte[]> Keys => _keys;
    internal byte[] IndexKey => _indexKey;

    private static byte[] Key(string base64, string name)
    {
        byte[] key;
        try { key = string.IsNullOrWhiteSpace(base64) ? [] : Convert.FromBase64String(base64); }
        catch (FormatException) { key = []; }
        return key.Length == 32 ? key : throw new InvalidOperationException($"{name} must be 32 bytes in base64.");
    }

    public byte[] Encrypt(string plaintext)
    {
        var data = Encoding.UTF8.GetBytes(plaintext);
        var result = new byte[HeaderLength + NonceLength + TagLength + data.Length];
        result[0] = Marker;
        result[1] = (byte)CurrentKeyId;
        RandomNumberGenerator.Fill(result.AsSpan(HeaderLength, NonceLength));
        using var aes = new AesGcm(_keys[CurrentKeyId], TagLength);
        aes.Encrypt(result.AsSpan(HeaderLength, NonceLength), data, result.AsSpan(HeaderLength + NonceLength + TagLength),
            result.AsSpan(HeaderLength + NonceLength, TagLength), result.AsSpan(0, HeaderLength));
        return result;
    }

    public string Decrypt(byte[] ciphertext) => Open(ciphertext, out _);

    public int KeyIdOf(byte[] ciphertext)
    {
        Open(ciphertext, out var keyId);
        return keyId;
    }

    private string Open(byte[] ciphertext, out int keyId)
    {
        if (ciphertext.Length >= HeaderLength + NonceLength + TagLength && ciphertext[0] == Marker && _keys.TryGetValue(ciphertext[1], out var key))
        {
            var plain = new byte[ciphertext.Length - HeaderLength - NonceLength - TagLength];
            using var aes = new AesGcm(key, TagLength);
            try
            {
                aes.Decrypt(ciphertext.AsSpan(HeaderLength, NonceLength), ciphertext.AsSpan(HeaderLength + NonceLength + TagLength),
                    ciphertext.AsSpan(HeaderLength + NonceLength, TagLength), plain, ciphertext.AsSpan(0, HeaderLength));
                keyId = ciphertext[1];
                return Encoding.UTF8.GetString(plain);
            }
            catch (AuthenticationTagMismatchException) { /* a ciphertext older than key ids that starts like one: read below */ }
        }
        if (ciphertext.Length >= NonceLength + TagLength && _keys.TryGetValue(_legacyKeyId, out var legacy))
        {
            var plain = new byte[ciphertext.Length - NonceLength - TagLength];
            using var aes = new AesGcm(legacy, TagLength);
            try
            {
                aes.Decrypt(ciphertext.AsSpan(0, NonceLength), ciphertext.AsSpan(NonceLength + TagLength), ciphertext.AsSpan(NonceLength, TagLength), plain);
                keyId = 0;
                return Encoding.UTF8.GetString(plain);
            }
            catch (AuthenticationTagMismatchException) { }
        }
        throw new CryptographicException(ciphertext.Length > 1 && ciphertext[0] == Marker && !_keys.ContainsKey(ciphertext[1])
            ? $"No configured key reads this ciphertext: key id {ciphertext[1]} is not among Declaration:PersonalData keys ({string.Join(", ", _keys.Keys.Order())})."
            : "The ciphertext does not open with any configured key (Declaration:PersonalData).");
    }

    public byte[] BlindIndex(string value)
    {
        var hash = HMACSHA256.HashData(_indexKey, Encoding.UTF8.GetBytes(value));
        if (BlindIndexVersion == 1) return hash;
        var versioned = new byte[hash.Length + 1];
        versioned[0] = (byte)BlindIndexVersion;
        hash.CopyTo(versioned, 1);
        return versioned;
    }

    /// <summary>The version of a stored blind index: 1 for the bare 32-byte HMAC, else its first byte.</summary>
    public static int VersionOf(ReadOnlySpan<byte> index) => index.Length == 32 ? 1 : index[0];
}
