-- ASP.NET Core data-protection keys (sign-in cookies, antiforgery) shared by every host behind the load balancer.
CREATE TABLE platform.data_protection_key (
    friendly_name text PRIMARY KEY,
    xml text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
