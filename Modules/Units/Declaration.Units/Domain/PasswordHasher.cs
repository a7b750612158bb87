using System.Security.Cryptography;

namespace Declaration.Units.Domain;

/// <summary>
/// PBKDF2-HMAC-SHA256 at OWASP's current count (600,000 iterations), 16-byte salt: "v1$iterations$salt$hash". Hashes of fewer
/// iterations still verify and are re-hashed at the next successful sign-in (<see cref="NeedsRehash"/>).
/// </summary>
internal static class PasswordHasher
{
    public const int Iterations = 600_000;

    public static string Hash(string password) => Hash(password, Iterations);

    internal static string Hash(string password, int iterations)
    {
        var salt = RandomNumberGenerator.GetBytes(16);
        var hash = Rfc2898DeriveBytes.Pbkdf2(password, salt, iterations, HashAlgorithmName.SHA256, 32);
        return $"v1${iterations}${Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}";
    }

    public static bool Verify(string password, string? stored)
    {
        if (!TryParse(stored, out var iterations, out var salt, out var expected))
        {
            // The same work as a real check, so the time taken never tells whether the account (or its password) exists.
            Rfc2898DeriveBytes.Pbkdf2(password, Dummy, Iterations, HashAlgorithmName.SHA256, 32);
            return false;
        }
        var actual = Rfc2898DeriveBytes.Pbkdf2(password, salt, iterations, HashAlgorithmName.SHA256, expected.Length);
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }

    public static bool NeedsRehash(string? stored) => TryParse(stored, out var iterations, out _, out _) && iterations < Iterations;

    internal static int IterationsOf(string stored) => TryParse(stored, out var iterations, out _, out _) ? iterations : 0;

    private static readonly byte[] Dummy = RandomNumberGenerator.GetBytes(16);

    private static bool TryParse(string? stored, out int iterations, out byte[] salt, out byte[] hash)
    {
        iterations = 0;
        salt = hash = [];
        var parts = stored?.Split('$');
        if (parts is not { Length: 4 } || parts[0] != "v1" || !int.TryParse(parts[1], out iterations) || iterations < 1) return false;
        try
        {
            salt = Convert.FromBase64String(parts[2]);
            hash = Convert.FromBase64String(parts[3]);
            return hash.Length > 0;
        }
        catch (FormatException) { return false; }
    }
}

/// <summary>What a password must be: 8–128 characters, at least three of upper case, lower case, digits and symbols, not the user name itself.</summary>
internal static class PasswordPolicy
{
    public static string? Check(string? password, string? userName)
    {
        if (string.IsNullOrEmpty(password) || password.Length < 8) return "密码至少8位";
        if (password.Length > 128) return "密码不能超过128位";
        var classes = (password.Any(char.IsUpper) ? 1 : 0) + (password.Any(char.IsLower) ? 1 : 0) + (password.Any(char.IsDigit) ? 1 : 0)
                      + (password.Any(c => !char.IsLetterOrDigit(c)) ? 1 : 0);
        if (classes < 3) return "密码须包含大写字母、小写字母、数字、符号中的至少三类";
        if (!string.IsNullOrWhiteSpace(userName) && string.Equals(password, userName.Trim(), StringComparison.OrdinalIgnoreCase)) return "密码不能与用户名相同";
        return null;
    }

    private const string Upper = "ABCDEFGHJKLMNPQRSTUVWXYZ";
    private const string Lower = "abcdefghijkmnpqrstuvwxyz";
    private const string Digits = "23456789";
    private const string Symbols = "@#%+=!?";

    /// <summary>A temporary password (14 characters, every class, no look-alike characters).</summary>
    public static string Temporary()
    {
        var all = Upper + Lower + Digits + Symbols;
        var chars = new List<char>
        {
            RandomNumberGenerator.GetItems<char>(Upper, 1)[0], RandomNumberGenerator.GetItems<char>(Lower, 1)[0],
            RandomNumberGenerator.GetItems<char>(Digits, 1)[0], RandomNumberGenerator.GetItems<char>(Symbols, 1)[0],
        };
        chars.AddRange(RandomNumberGenerator.GetItems<char>(all, 10));
        var array = chars.ToArray();
        RandomNumberGenerator.Shuffle(array.AsSpan());
        return new string(array);
    }
}
