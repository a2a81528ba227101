namespace ReferralIntake.Functions.Tests.Infra;

/// <summary>
/// infra/ is compiled in every test run with the pinned Bicep CLI and the linter rules of
/// infra/bicepconfig.json; any error or warning fails the run.
/// </summary>
public sealed class InfraCompilationTests(CompiledInfraFixture compiled) : IClassFixture<CompiledInfraFixture>
{
    [Fact]
    public void The_templates_and_every_parameter_file_compile_with_no_diagnostic()
    {
        var infra = compiled.Infra;

        Assert.True(infra.Clean, "Bicep diagnostics:\n" + string.Join('\n', infra.Diagnostics.Concat(infra.Failures)));
        Assert.NotEmpty(infra.Main["resources"]!.AsArray());
        var parameterFiles = Directory.GetFiles(BicepCompiler.RepoInfra, "*.bicepparam").Select(Path.GetFileName).Order();
        Assert.Equal(parameterFiles, infra.ParameterFiles.Keys.Order());
        Assert.All(infra.ParameterFiles.Values, p => Assert.Equal("uksouth", (string?)p["parameters"]!["location"]!["value"]));
    }

    [Fact]
    public void The_force_views_Entra_ID_sign_in_lets_key_callers_through_and_is_deployed_only_with_a_client_id()
    {
        var arm = compiled.Infra.With("main.dev.bicepparam");

        var auth = Assert.Single(arm.OfType("Microsoft.Web/sites/config"), r => r.LeafName == "authsettingsV2");

        Assert.Contains("entraClientId", auth.Json["condition"]?.ToString() ?? "", StringComparison.Ordinal);
        Assert.Equal("AllowAnonymous", (string?)auth.Get("properties.globalValidation.unauthenticatedClientAction")); // partners, forces with keys, parents
        Assert.False((bool?)auth.Get("properties.globalValidation.requireAuthentication"));
        Assert.True((bool?)auth.Get("properties.httpSettings.requireHttps"));
        Assert.Equal("MICROSOFT_PROVIDER_AUTHENTICATION_SECRET", (string?)auth.Get("properties.identityProviders.azureActiveDirectory.registration.clientSecretSettingName"));
        var settings = Assert.Single(arm.OfType("Microsoft.Web/sites/config"), r => r.LeafName == "appsettings");
        Assert.Equal("true", (string?)settings.Get("properties.Destinations__warwickshire__Pull")); // a pulling force has no URL
        Assert.Null(settings.Get("properties.Destinations__warwickshire__Url"));
        Assert.Equal("false", (string?)settings.Get("properties.Destinations__staffordshire__ForceView")); // a webhook force without the force view
        Assert.Null(settings.Get("properties.Destinations__warwickshire__ForceView"));                    // the default: kept for the view
    }

    [Fact]
    public void Production_keeps_one_instance_of_the_HTTP_functions_warm_and_dev_none_on_the_isolated_worker()
    {
        var prod = Assert.Single(compiled.Infra.With("main.prod.bicepparam").OfType("Microsoft.Web/sites"));
        var dev = Assert.Single(compiled.Infra.With("main.dev.bicepparam").OfType("Microsoft.Web/sites"));

        var warm = Assert.Single(prod.Get("properties.functionAppConfig.scaleAndConcurrency.alwaysReady")!.AsArray());
        Assert.Equal(("http", 1), ((string?)warm!["name"], (int?)warm["instanceCount"])); // the HTTP trigger group: the form, the API, the force view
        Assert.Empty(dev.Get("properties.functionAppConfig.scaleAndConcurrency.alwaysReady")!.AsArray());
        foreach (var site in new[] { prod, dev })
        {
            Assert.Equal(("dotnet-isolated", "10.0"), ((string?)site.Get("properties.functionAppConfig.runtime.name"), (string?)site.Get("properties.functionAppConfig.runtime.version")));
        }
    }

    public static TheoryData<string, string, string, string, string> BrokenCopies => new()
    {
        // file, what is replaced, by what, the diagnostic expected
        { "one required property removed (the storage account's location)", "modules/storage.bicep", "  location: location\n  kind: 'StorageV2'", "  kind: 'StorageV2'", "BCP035" },
        { "an API version more than two years old", "modules/keyvault.bicep", "Microsoft.KeyVault/vaults@2025-05-01", "Microsoft.KeyVault/vaults@2023-07-01", "use-recent-api-versions" },
        { "a secret in an output", "modules/monitoring.bicep", "output workspaceId string = workspace.id", "output workspaceId string = workspace.id\noutput workspaceKey string = workspace.listKeys().primarySharedKey", "outputs-should-not-contain-secrets" },
        { "a parameter file for a parameter the template lacks", "main.dev.bicepparam", "param retentionDays = 30", "param retentionDays = 30\nparam retentionWeeks = 4", "BCP259" },
    };

    [Theory]
    [MemberData(nameof(BrokenCopies))]
    public async Task A_broken_copy_of_the_templates_fails_the_compile(string change, string file, string find, string replaceWith, string expectedDiagnostic)
    {
        var copy = BicepCompiler.CopyOfInfra((name, text) =>
        {
            if (name != file)
            {
                return text;
            }

            Assert.Contains(find, text, StringComparison.Ordinal); // the change really happens
            return text.Replace(find, replaceWith, StringComparison.Ordinal);
        });
        try
        {
            var result = await BicepCompiler.CompileAsync(copy);

            Assert.False(result.Clean, $"{change}: compiled clean");
            Assert.Contains(result.Diagnostics, d => d.Contains(expectedDiagnostic, StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(copy, recursive: true);
        }
    }
}
