namespace Declaration.Units.Contracts;

/// <summary>Names this Contracts assembly for registration and architecture tests.</summary>
public sealed class UnitsContractsMarker;
