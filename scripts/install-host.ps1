# install-host.ps1 - registers the Mekiki host with Thunderbird on Windows.
#
# On Windows Thunderbird does not search folders for native-messaging
# manifests: it reads the registry key
#   HKCU\Software\Mozilla\NativeMessagingHosts\mekiki
# whose default value is the full path of the manifest. This script writes
# the manifest beside mekiki.exe (from manifests\mekiki.windows.json.in, with
# allowed_extensions limited to Mekiki's add-on id) and sets that key. With
# -AllUsers it writes HKLM instead (needs an elevated PowerShell).
#
# Usage: powershell -ExecutionPolicy Bypass -File scripts\install-host.ps1 [-Binary C:\path\mekiki.exe] [-AllUsers] [-Uninstall]
param(
    [string]$Binary = "",
    [switch]$AllUsers,
    [switch]$Uninstall
)
$ErrorActionPreference = "Stop"

$root = Split-Path -Parent $PSScriptRoot
$hive = if ($AllUsers) { "HKLM:" } else { "HKCU:" }
$key = "$hive\Software\Mozilla\NativeMessagingHosts\mekiki"

if ($Uninstall) {
    if (Test-Path $key) {
        $manifest = (Get-Item $key).GetValue("")
        Remove-Item $key -Force
        if ($manifest -and (Test-Path $manifest)) { Remove-Item $manifest -Force }
    }
    Write-Output "removed $key"
    exit 0
}

# Find the host: explicit, on PATH, or a build in this tree.
if (-not $Binary) {
    $onPath = Get-Command mekiki.exe -ErrorAction SilentlyContinue
    if ($onPath) { $Binary = $onPath.Source }
}
if (-not $Binary) {
    $built = Get-ChildItem -Path $root -Filter mekiki.exe -Recurse -ErrorAction SilentlyContinue |
        Where-Object { $_.FullName -like "*\build*" } | Select-Object -First 1
    if ($built) { $Binary = $built.FullName }
}
if (-not $Binary -or -not (Test-Path $Binary -PathType Leaf)) {
    Write-Error "cannot find mekiki.exe; build it or pass -Binary C:\path\mekiki.exe"
    exit 1
}
$Binary = (Resolve-Path $Binary).Path

# Fill the template through a JSON round trip so the path is escaped properly.
$template = Get-Content -Raw -Encoding UTF8 (Join-Path $root "manifests\mekiki.windows.json.in")
$manifestObject = $template.Replace('"@MEKIKI_HOST_PATH@"', '""') | ConvertFrom-Json
$manifestObject.path = $Binary
$manifestPath = Join-Path (Split-Path -Parent $Binary) "mekiki.json"
$json = $manifestObject | ConvertTo-Json -Depth 4
[System.IO.File]::WriteAllText($manifestPath, $json, (New-Object System.Text.UTF8Encoding($false)))

New-Item -Path $key -Force | Out-Null
Set-Item -Path $key -Value $manifestPath
Write-Output "installed $manifestPath -> $Binary (registry: $key)"
