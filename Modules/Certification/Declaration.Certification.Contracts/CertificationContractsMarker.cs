namespace Declaration.Certification.Contracts;

/// <summary>Names this Contracts assembly for registration and architecture tests.</summary>
public sealed class CertificationContractsMarker;
