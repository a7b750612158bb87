namespace Declaration.LevyCalculator.Contracts;

/// <summary>Names this Contracts assembly for registration and architecture tests.</summary>
public sealed class LevyCalculatorContractsMarker;
