#!/usr/bin/perl
# make-mmdb.pl - write small, deterministic MaxMind DB fixtures for tests.
#
# Usage: make-mmdb.pl OUTDIR   (writes OUTDIR/city.mmdb and OUTDIR/asn.mmdb)
#
# The files use MaxMind's GeoLite2 schemas (GeoLite2-City, GeoLite2-ASN) so
# the code under test reads them exactly as it reads the real databases. All
# networks are documentation ranges (RFC 5737, RFC 3849), which is why
# reserved networks must not be removed. The build epoch is fixed so that two
# runs produce byte-identical files and tests can assert the metadata.
#
# Contents (tests in native-host/tests/unit/test_geo.c rely on them):
#   city  203.0.113.0/24   JP, Osaka
#         198.51.100.0/24  no country, registered_country US, no city
#         2001:db8::/32    DE, Berlin
#   asn   203.0.113.0/24   AS 9371  "SAKURA Internet Inc."
#         192.0.2.0/24     AS 64500 "Example Hosting"
#         2001:db8::/32    AS 64501 "Example IPv6 Net"
use strict;
use warnings;

use MaxMind::DB::Writer::Tree;

my $BUILD_EPOCH = 1700000000;    # 2023-11-14T22:13:20Z

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

sub new_tree {
    my ( $type, $types ) = @_;
    my $tree = MaxMind::DB::Writer::Tree->new(
        ip_version               => 6,
        record_size              => 24,
        database_type            => $type,
        languages                => [ 'en', 'ja' ],
        description              => { en => "Mekiki test fixture ($type)" },
        alias_ipv6_to_ipv4       => 1,
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

my $dir = shift @ARGV;
die "usage: $0 OUTDIR\n" unless defined $dir && -d $dir;
build_city("$dir/city.mmdb");
build_asn("$dir/asn.mmdb");
exit 0;
